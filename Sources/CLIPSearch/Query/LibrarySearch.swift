import CLIP
import Foundation

/// Searches the embedded files under some folders of a library.
public enum LibrarySearch {
    /// The `k` files under `roots` closest to `query`, best first.
    public static func search(_ store: LibraryStore, roots: [String], query: [Float], k: Int) throws -> [(path: String, score: Float)] {
        let (index, paths) = try flatIndex(store, roots: roots)
        return index.search(query, k: k).map { (paths[$0.id], $0.score) }
    }

    /// An exact index over the live vectors under `roots`; ids index the returned paths.
    public static func flatIndex(_ store: LibraryStore, roots: [String]) throws -> (FlatIndex, [String]) {
        let live = try store.liveRows(under: roots.map(standardised))
        let all = try store.vectorRows()
        let d = store.dimension
        var gathered = [Float](repeating: 0, count: live.count * d)
        for (i, item) in live.enumerated() {
            for k in 0..<d { gathered[i * d + k] = all[item.row * d + k] }
        }
        let index = FlatIndex(dimension: d)
        gathered.withUnsafeBufferPointer { index.add($0, ids: Array(0..<live.count)) }
        return (index, live.map(\.path))
    }

    static func standardised(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }
}
