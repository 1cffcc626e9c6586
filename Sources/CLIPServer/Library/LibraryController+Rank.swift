import CLIP
import CLIPSearch
import Foundation
import Hummingbird

/// `POST /v1/rank`: the library (or `ids`) ordered by a prompt, optionally against an opposing prompt
/// (`scoring` says what the scores are: cosine, SigLIP's sigmoid probability, or the two-prompt softmax).
/// The answer is a `LibraryPageJSON` with `scoring`.
struct RankRequest: Decodable, Sendable {
    let prompt: String
    let versus: String?
    let k: Int
    let offset: Int
    let threshold: Float?
    let folder: String?
    /// Without repeats, in the order given.
    let ids: [Int64]?

    enum CodingKeys: String, CodingKey {
        case prompt, versus, offset, threshold, folder, ids
        case topK = "top_k"
    }

    init(from decoder: any Decoder) throws {
        let fields = try decoder.container(keyedBy: CodingKeys.self)
        guard let prompt = try fields.string(.prompt) else { throw fields.problem(.prompt, "'prompt' is required") }
        self.prompt = prompt
        versus = try fields.string(.versus)
        k = try fields.integer(.topK, default: 20, in: 1...LibraryRequest.maxResults)
        offset = try fields.integer(.offset, default: 0, in: 0...(LibraryRequest.maxDepth - k))
        threshold = try fields.number(.threshold)
        folder = try fields.string(.folder).map(LibraryRequest.folderPath)
        var seen = Set<Int64>()
        ids = try fields.integers(.ids, limit: LibraryRequest.maxDepth).map { $0.filter { seen.insert($0).inserted } }
        if ids != nil && folder != nil { throw fields.problem(.ids, "give 'ids' or 'folder', not both") }
    }
}

extension LibraryController {
    func rank(_ request: Request) async throws -> Response {
        let library = try requireLibrary()
        let (asked, _) = try await RequestBody.decode(RankRequest.self, request, maxBody: maxBody)
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
        return JSONResponse.make(
            LibraryPageJSON(page, offset: asked.offset, topK: asked.k, scoring: ranking.scoring.rawValue))
    }
}
