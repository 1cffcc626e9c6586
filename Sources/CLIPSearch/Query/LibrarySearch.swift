import CLIP
import Foundation

/// Searches the embedded files under some folders of a library.
public enum LibrarySearch {
    /// Above this many embedded files under the searched folders, search goes through the library's HNSW index.
    public static let defaultApproximateAbove = 50_000

    /// The `k` files under `roots` closest to `query`, best first, through the store's approximate index
    /// where it has one (the embedded store: exact up to its `approximateAbove` files).
    public static func search(
        _ library: any LibraryStore, roots: [String], query: [Float], k: Int,
        mode: SearchMode = .approximate(efSearch: nil)
    ) async throws -> [(path: String, score: Float)] {
        try await library.nearest(query, k: k, under: roots.map(standardised), mode: mode).map { ($0.path, $0.score) }
    }

    /// The `k` entries of `ranges` closest to `query`, best first. With an HNSW index over the snapshot's
    /// vector file (ids are its rows), it searches at least 4k candidates (`candidates` if more) and keeps
    /// those in `ranges` (entries it no longer knows drop out), scored again exactly from the snapshot's
    /// fp32 vectors (the graph's are half precision) and ordered by that; too few left falls back to the
    /// exact scan.
    public static func search(
        _ snapshot: LibrarySnapshot, ranges: [Range<Int>], query: [Float], k: Int,
        approximate: LibraryDatabase.ApproximateIndex?, candidates: Int = 0
    ) -> [(index: Int, score: Float)] {
        let searched = ranges.reduce(0) { $0 + $1.count }
        // An index over another vector file (the library was compacted since) numbers other rows.
        if let approximate = approximate.flatMap({ $0.vectorFile == snapshot.vectorFile ? $0.index : nil }), k > 0 {
            let wanted = max(4 * k, candidates)
            let found = query.withUnsafeBufferPointer { q in
                approximate.search(query, k: wanted, ef: max(approximate.efSearch, wanted)).compactMap {
                    hit -> (index: Int, score: Float)? in
                    guard let i = snapshot.index(ofRow: hit.id), ranges.contains(where: { $0.contains(i) }) else {
                        return nil
                    }
                    let row = snapshot.vectors.baseAddress! + snapshot.entries[i].row * snapshot.dimension
                    return (i, innerProduct(q.baseAddress!, row, snapshot.dimension))
                }
            }.sorted { $0.score > $1.score || ($0.score == $1.score && $0.index < $1.index) }
            if found.count >= min(k, searched) { return Array(found.prefix(k)) }
        }
        return snapshot.nearest(query, k: k, in: ranges)
    }

    static func standardised(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }
}
