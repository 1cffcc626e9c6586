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
        let (index, paths) = try flatIndex(store, live: live)
        return index.search(query, k: k).map { (paths[$0.id], $0.score) }
    }

    /// An exact index over `live` vectors; ids index the returned paths.
    static func flatIndex(_ store: LibraryStore, live: [(row: Int, path: String)]) throws -> (FlatIndex, [String]) {
        let index = FlatIndex(dimension: store.dimension)
        try store.vectors(of: live.map(\.row)).withUnsafeBufferPointer { index.add($0, ids: Array(0..<live.count)) }
        return (index, live.map(\.path))
    }

    static func standardised(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }
}
