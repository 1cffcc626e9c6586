import CBLAS
import CLIP

/// Groups of near-duplicate images: pairs at or above a cosine threshold, joined transitively.
public enum NearDuplicates {
    public static func groups(_ store: LibraryStore, roots: [String], threshold: Float) throws -> [[(path: String, score: Float)]] {
        let snapshot = try store.snapshot()
        return groups(snapshot, ranges: snapshot.ranges(under: roots.map(LibrarySearch.standardised)), threshold: threshold)
            .map { $0.map { (snapshot.entries[$0.index].path, $0.score) } }
    }

    /// Groups among the entries of `ranges`, as snapshot indices with each member's best cosine to another
    /// member; groups and members in path order.
    public static func groups(_ snapshot: LibrarySnapshot, ranges: [Range<Int>], threshold: Float) -> [[(index: Int, score: Float)]] {
        let members = ranges.flatMap { Array($0) }
        let d = snapshot.dimension, n = members.count
        guard n > 1 else { return [] }
        var vectors = [Float](repeating: 0, count: n * d)
        for (i, member) in members.enumerated() {
            let row = snapshot.vectors.baseAddress! + snapshot.entries[member].row * d
            for k in 0..<d { vectors[i * d + k] = row[k] }
        }
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
        // Snapshot indices are in path order already.
        return grouped.values.map { group in group.sorted().map { (members[$0], best[$0]) } }
            .sorted { $0[0].index < $1[0].index }
    }
}
