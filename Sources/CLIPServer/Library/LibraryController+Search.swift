import CLIP
import CLIPSearch
import Foundation
import Hummingbird

/// `POST /v1/search`: a text (with `clip search`'s arithmetic, `cat + 2:snow - indoor`), an uploaded image,
/// a library image (`like`: "more like this") or a vector, with `top_k`, `offset` and a `folder` filter.
/// JSON, or a multipart form with the image as a file part.
struct SearchRequest: Sendable {
    let k: Int
    let offset: Int
    let folder: String?
    /// Each present part with weight 1: the server adds them up as equals.
    let parts: [(part: LibraryQuery.Part, weight: Float)]

    init(_ fields: JSONFields, upload: Data?, dimension: Int) throws {
        k = try fields.integer("top_k", default: 20, in: 1...LibraryRequest.maxResults)
        offset = try fields.integer("offset", default: 0, in: 0...(LibraryRequest.maxDepth - k))
        folder = try fields.string("folder").map(LibraryRequest.folderPath)
        var parts: [(part: LibraryQuery.Part, weight: Float)] = []
        if let text = try fields.string("query") { parts.append((.expression(try Self.expression(text)), 1)) }
        let image = try upload ?? fields.string("image").map { try EmbeddingsRequest.imageBytes($0, param: "image") }
        if let image { parts.append((.image(image), 1)) }
        if fields.has("like") {
            parts.append((.like(Int64(try fields.integer("like", default: 0, in: 0...Int.max))), 1))
        }
        if let vector = try fields.vector("vector", count: dimension) { parts.append((.vector(vector), 1)) }
        self.parts = parts
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
        let (fields, upload) = try await RequestBody.read(request, maxBody: maxBody)
        let asked = try SearchRequest(fields, upload: upload, dimension: served.dimension)
        guard !asked.parts.isEmpty else { throw Self.apiError(.nothingToSearch, param: "query") }
        let query = LibraryQuery(
            parts: asked.parts, roots: LibraryRequest.roots(asked.folder), k: asked.k,
            offset: asked.offset, mode: library.mode)
        let page = try await Self.libraryCall(param: "like") {
            try await query.run(embedding: embedding, store: library.store, dimension: served.dimension)
        }
        return JSONResponse.make([
            "results": page.hits.map { Self.hit($0) }, "searched": page.searched,
            "offset": asked.offset, "top_k": asked.k,
        ])
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
