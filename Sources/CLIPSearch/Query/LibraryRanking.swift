import CLIP
import Foundation

/// The library (a folder of it, or a few of its images) ordered by a prompt, optionally against an opposing
/// one: `PromptRanking` scores each image from its cosines with the prompts (cosine, SigLIP's sigmoid, or
/// the two-prompt softmax), then a threshold, best first, one page.
public struct LibraryRanking: Sendable {
    public var ranking: PromptRanking
    /// The images ranked, by id, in the order given; nil: every image under `roots`.
    public var ids: [Int64]?
    public var roots: [String]
    public var threshold: Float?
    public var k: Int
    public var offset: Int

    public init(
        _ ranking: PromptRanking, ids: [Int64]? = nil, roots: [String] = [], threshold: Float? = nil,
        k: Int, offset: Int = 0
    ) {
        self.ranking = ranking
        self.ids = ids
        self.roots = roots
        self.threshold = threshold
        self.k = k
        self.offset = offset
    }

    /// The page of ranked images and how many were scored. Each image's inner products with the prompts
    /// are computed here for a few ids, by the store for a folder or the whole library (PostgreSQL sends
    /// only the scores).
    public func run(store: any LibraryStore, dimension: Int) async throws -> LibraryPage {
        let files: [(id: Int64, path: String)]
        let cosines: [Float]
        if let ids {
            let images = try await store.images(ids: ids, dimension: dimension)
            files = images.map { ($0.id, $0.path) }
            cosines = images.flatMap { image in
                ranking.queries.map { zip($0, image.vector).reduce(0) { $0 + $1.0 * $1.1 } }
            }
        } else {
            (files, cosines) = try await store.cosines(ranking.queries, under: roots)
        }
        let kept = ranking.ranked(cosines: cosines, threshold: threshold)
        let hits = kept.dropFirst(offset).prefix(k).map {
            LibraryHit(id: files[$0.index].id, path: files[$0.index].path, score: $0.score)
        }
        return LibraryPage(hits: hits, searched: files.count)
    }
}

extension LibraryStore {
    /// The library images `ids` name, in that order, each checked to be of the model's `dimension`; an id
    /// the library does not hold is `LibraryQueryProblem.unknownImage`.
    public func images(ids: [Int64], dimension: Int) async throws -> [LibraryImage] {
        let found = try await images(ids: ids)
        // Every id is looked for before any vector is checked: an unknown id is the caller's to mend first.
        let images = try ids.map { id in
            guard let image = found[id] else { throw LibraryQueryProblem.unknownImage(id) }
            return image
        }
        for image in images { _ = try LibraryQueryProblem.sameModel(image.vector, dimension: dimension) }
        return images
    }
}
