import CBLAS
import CLIP

/// Groups of near-duplicate images: pairs at or above a cosine threshold, joined transitively.
public enum NearDuplicates {
    public static func groups(_ store: LibraryStore, roots: [String], threshold: Float) throws -> [[(path: String, score: Float)]] {
        let live = try store.liveRows(under: roots.map(LibrarySearch.standardised))
        let d = store.dimension, n = live.count
        guard n > 1 else { return [] }
        let vectors = try store.vectors(of: live.map(\.row))
        var parent = Array(0..<n)
        func find(_ x: Int) -> Int {
            var x = x
            while parent[x] != x { parent[x] = parent[parent[x]]; x = parent[x] }
            return x
        }
        var best = [Float](repeating: -1, count: n)
        let block = 512
        var scores = [Float](repeating: 0, count: block * n)
        for start in stride(from: 0, to: n, by: block) {
            let rows = min(block, n - start)
            vectors.withUnsafeBufferPointer { v in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(n), Int32(d), 1,
                            v.baseAddress! + start * d, Int32(d), v.baseAddress, Int32(d), 0, &scores, Int32(n))
            }
            for r in 0..<rows {
                let i = start + r
                for j in (i + 1)..<n where scores[r * n + j] >= threshold {
                    best[i] = max(best[i], scores[r * n + j]); best[j] = max(best[j], scores[r * n + j])
                    let (a, b) = (find(i), find(j))
                    if a != b { parent[max(a, b)] = min(a, b) }
                }
            }
        }
        let grouped = Dictionary(grouping: (0..<n).filter { best[$0] >= threshold }, by: find)
        return grouped.values.map { members in members.sorted { live[$0].path < live[$1].path }.map { (live[$0].path, best[$0]) } }
            .sorted { $0[0].path < $1[0].path }
    }
}
