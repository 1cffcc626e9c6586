import CLIP
import CLIPSearch
import Foundation
import Hummingbird

/// `POST /v1/rank`: the library (or `ids`) ordered by a prompt, optionally against an opposing prompt
/// (`scoring` says what the scores are: cosine, SigLIP's sigmoid probability, or the two-prompt softmax).
struct RankRequest: Sendable {
    let prompt: String
    let versus: String?
    let k: Int
    let offset: Int
    let threshold: Float?
    let folder: String?
    /// Without repeats, in the order given.
    let ids: [Int64]?

    init(_ fields: JSONFields) throws {
        guard let prompt = try fields.string("prompt") else {
            throw APIError.badRequest("'prompt' is required", param: "prompt")
        }
        self.prompt = prompt
        versus = try fields.string("versus")
        k = try fields.integer("top_k", default: 20, in: 1...LibraryRequest.maxResults)
        offset = try fields.integer("offset", default: 0, in: 0...(LibraryRequest.maxDepth - k))
        threshold = try fields.number("threshold")
        folder = try fields.string("folder").map(LibraryRequest.folderPath)
        ids = try fields.integers("ids", limit: LibraryRequest.maxDepth).map {
            Array(NSOrderedSet(array: $0)) as! [Int64]
        }
        if ids != nil && folder != nil { throw APIError.badRequest("give 'ids' or 'folder', not both", param: "ids") }
    }
}

extension LibraryController {
    func rank(_ request: Request) async throws -> Response {
        let library = try requireLibrary()
        let (fields, _) = try await RequestBody.read(request, maxBody: maxBody, multipart: false)
        let asked = try RankRequest(fields)
        let texts = try await served.embedTexts([asked.prompt] + (asked.versus.map { [$0] } ?? []), param: "prompt")
        let model = served.loaded.model
        let ranking = PromptRanking(
            prompt: texts[0], versus: asked.versus == nil ? nil : texts[1],
            logitScale: model.logitScale, logitBias: model.logitBias)
        let question = LibraryRanking(
            ranking, ids: asked.ids, roots: LibraryRequest.roots(asked.folder),
            threshold: asked.threshold, k: asked.k, offset: asked.offset)
        let page = try await Self.libraryCall(param: "ids") {
            try await question.run(store: library.store, dimension: served.dimension)
        }
        return JSONResponse.make([
            "results": page.hits.map { Self.hit($0) }, "searched": page.searched,
            "offset": asked.offset, "top_k": asked.k, "scoring": ranking.scoring.rawValue,
        ])
    }
}
