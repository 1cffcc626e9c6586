import CLIP
import Foundation

/// Searches the embedded files under some folders of a library.
public enum LibrarySearch {
    /// Above this many embedded files under the searched folders, search goes through the library's HNSW index.
    public static let defaultApproximateAbove = 50_000

    /// The `k` files under `roots` closest to `query`, best first: exact up to `approximateAbove` files, then
    /// through HNSW (results outside `roots` are filtered out; too few left falls back to exact).
    public static func search(_ store: LibraryStore, roots: [String], query: [Float], k: Int,
                              approximateAbove: Int = defaultApproximateAbove) throws -> [(path: String, score: Float)] {
        let live = try store.liveRows(under: roots.map(standardised))
        if live.count > approximateAbove {
            let paths = Dictionary(live.map { ($0.row, $0.path) }, uniquingKeysWith: { a, _ in a })
            let index = try store.approximateIndex()
            let found = index.search(query, k: 4 * k, ef: max(index.efSearch, 4 * k)).compactMap { hit in paths[hit.id].map { (path: $0, score: hit.score) } }
            if found.count >= min(k, live.count) { return Array(found.prefix(k)) }
        }
        return try exactSearch(store, live: live, query: query, k: k)
    }

    /// Scores `live` rows where they lie in the mapped vector file (no copy per query), keeping the `k` best.
    static func exactSearch(_ store: LibraryStore, live: [(row: Int, path: String)], query: [Float], k: Int) throws
        -> [(path: String, score: Float)] {
        precondition(query.count == store.dimension, "query of \(query.count) floats for a \(store.dimension)-d library")
        guard !live.isEmpty, k > 0 else { return [] }
        let rows = try store.vectors.rows(), d = store.dimension
        var top = TopK(min(k, live.count))
        query.withUnsafeBufferPointer { q in
            for (i, item) in live.enumerated() {
                let s = innerProduct(q.baseAddress!, rows.baseAddress! + item.row * d, d)
                if s > top.threshold { top.offer(i, s) }
            }
        }
        return top.sorted().map { (live[$0.id].path, $0.score) }
    }

    static func standardised(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }
}
