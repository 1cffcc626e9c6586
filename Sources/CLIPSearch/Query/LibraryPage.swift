import CLIP
import Foundation

/// One page of search results and how many images the search ranged over.
public struct LibraryPage: Sendable {
    public let hits: [LibraryHit]
    public let searched: Int
}

extension LibraryStore {
    /// The `offset`…`offset + k` nearest images to `query` under `roots` (everywhere when empty), best
    /// first: a store finds the first `offset + k` and the page is cut from them.
    public func page(
        _ query: [Float], k: Int, offset: Int, under roots: [String],
        mode: SearchMode = .approximate(efSearch: nil)
    ) async throws -> LibraryPage {
        let hits = try await nearest(query, k: offset + k, under: roots, mode: mode)
        return LibraryPage(hits: Array(hits.dropFirst(offset)), searched: try await count(under: roots))
    }
}
