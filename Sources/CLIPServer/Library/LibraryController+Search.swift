import CLIP
import CLIPSearch
import Foundation
import Hummingbird

/// `POST /v1/search`: a text (with `clip search`'s arithmetic, `cat + 2:snow - indoor`), an uploaded image,
/// a library image (`like`: "more like this") or a vector, with `top_k`, `offset` and a `folder` filter.
/// JSON, or a multipart form with the image as a file part (attached after decoding: `with(upload:)`).
struct SearchRequest: Decodable, Sendable {
    let k: Int
    let offset: Int
    let folder: String?
    /// Each present part with weight 1: the server adds them up as equals.
    private(set) var parts: [(part: LibraryQuery.Part, weight: Float)]

    enum CodingKeys: String, CodingKey {
        case query, image, like, vector, offset, folder
        case topK = "top_k"
    }

    /// Fields are read in this order, so that of several problems the first named here is the one reported.
    init(from decoder: any Decoder) throws {
        let setting = decoder.setting(LibraryRequest.Setting.self)
        let fields = try decoder.container(keyedBy: CodingKeys.self)
        k = try fields.integer(.topK, default: 20, in: 1...LibraryRequest.maxResults)
        offset = try fields.integer(.offset, default: 0, in: 0...(LibraryRequest.maxDepth - k))
        folder = try fields.string(.folder).map(LibraryRequest.folderPath)
        parts = []
        if let text = try fields.string(.query) { parts.append((.expression(try Self.expression(text)), 1)) }
        if let image = try fields.string(.image) {
            parts.append((.image(try EmbeddingsRequest.imageBytes(image, param: "image")), 1))
        }
        if fields.has(.like) {
            parts.append((.like(Int64(try fields.integer(.like, default: 0, in: 0...Int.max))), 1))
        }
        if let vector = try fields.vector(.vector, count: setting.served.dimension) {
            parts.append((.vector(vector), 1))
        }
    }

    /// The request with a multipart form's image file (a form has no `image` text field), in the place an
    /// `image` field takes.
    func with(upload: Data?) -> SearchRequest {
        guard let upload else { return self }
        var request = self
        let at = parts.firstIndex { if case .expression = $0.part { return false } else { return true } } ?? parts.count
        request.parts.insert((.image(upload), 1), at: at)
        return request
    }

    /// The `query` field as `clip search` reads a typed line, at most `maxQueryTerms` parts.
    static func expression(_ text: String) throws -> SearchQuery {
        let query: SearchQuery
        do {
            query = try SearchQuery.parse(expression: text)
        } catch let error as CLIPError {
            throw APIError.badRequest("'query': \(error.inputReason)", param: "query")
        }
        guard query.terms.count <= LibraryRequest.maxQueryTerms else {
            throw APIError.badRequest(
                "'query' has \(query.terms.count) parts; at most \(LibraryRequest.maxQueryTerms)",
                param: "query")
        }
        return query
    }
}

extension LibraryController {
    func search(_ request: Request) async throws -> Response {
        let library = try requireLibrary()
        let (decoded, upload) = try await RequestBody.decode(
            SearchRequest.self, request, maxBody: maxBody, setting: setting, multipart: true)
        let asked = decoded.with(upload: upload)
        guard !asked.parts.isEmpty else { throw Self.apiError(.nothingToSearch, param: "query") }
        let query = LibraryQuery(
            parts: asked.parts, roots: LibraryRequest.roots(asked.folder), k: asked.k,
            offset: asked.offset, mode: library.mode)
        let page = try await Self.libraryCall(param: "like") {
            try await query.run(embedding: embedding, store: library.store, dimension: served.dimension)
        }
        return JSONResponse.make(LibraryPageJSON(page, offset: asked.offset, topK: asked.k))
    }

    /// The served model's towers as a query embeds through them; their errors (a text too long, an image
    /// that does not decode) pass through `libraryCall` as they are.
    var embedding: LibraryQuery.Embedding {
        let host = served
        return LibraryQuery.Embedding(
            texts: { texts in try await ModelFailure.wrap { try await host.embedTexts(texts, param: "query") } },
            images: { images in
                try await ModelFailure.wrap {
                    try await host.embedImages(images, names: ["image"], param: "image", likeTheLibrary: true)
                }
            })
    }
}
