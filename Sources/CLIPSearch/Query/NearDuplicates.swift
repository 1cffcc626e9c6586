import CLIP

/// Groups of near-duplicate images: pairs at or above a cosine threshold, joined transitively.
public enum NearDuplicates {
    public static func groups(
        _ library: any LibraryStore, roots: [String], threshold: Float
    ) async throws -> [[(path: String, score: Float)]] {
        try await hits(library, roots: roots, threshold: threshold).map { $0.map { ($0.path, $0.score) } }
    }

    /// The groups among the embedded images under `roots` (everywhere when empty), each member with its
    /// best cosine to another member. `compare` runs the pairwise comparison (`groups(_:count:dimension:
    /// threshold:)`, what it is given): a server runs it off its request threads, one scan at a time.
    public static func hits(
        _ library: any LibraryStore, roots: [String], threshold: Float,
        compare:
            @Sendable (@escaping @Sendable () -> [[(index: Int, score: Float)]]) async throws
            -> [[(index: Int, score: Float)]] = { $0() }
    ) async throws -> [[LibraryHit]] {
        let (files, vectors) = try await library.embeddings(under: roots.map(LibrarySearch.standardised))
        let d = files.isEmpty ? 0 : vectors.count / files.count
        let found = try await compare { groups(vectors, count: files.count, dimension: d, threshold: threshold) }
        return found.map { group in
            group.map { LibraryHit(id: files[$0.index].id, path: files[$0.index].path, score: $0.score) }
        }
    }

    /// Groups among the entries of `ranges`, as snapshot indices with each member's best cosine to another
    /// member; groups and members in path order.
    public static func groups(
        _ snapshot: LibrarySnapshot, ranges: [Range<Int>],
        threshold: Float
    ) -> [[(index: Int, score: Float)]] {
        let members = ranges.flatMap { Array($0) }
        var vectors = [Float](repeating: 0, count: members.count * snapshot.dimension)
        for (i, member) in members.enumerated() {
            let row = snapshot.vectors.baseAddress! + snapshot.entries[member].row * snapshot.dimension
            for k in 0..<snapshot.dimension { vectors[i * snapshot.dimension + k] = row[k] }
        }
        return groups(vectors, count: members.count, dimension: snapshot.dimension, threshold: threshold)
            .map { $0.map { (members[$0.index], $0.score) } }
    }

    /// Groups among `count` rows of `vectors` (in path order), as row indices with each member's best
    /// cosine to another member; groups and members in that order.
    public static func groups(
        _ vectors: [Float], count n: Int, dimension d: Int,
        threshold: Float
    ) -> [[(index: Int, score: Float)]] {
        guard n > 1 else { return [] }
        var parent = Array(0..<n)
        func find(_ x: Int) -> Int {
            var x = x
            while parent[x] != x {
                parent[x] = parent[parent[x]]
                x = parent[x]
            }
            return x
        }
        var best = [Float](repeating: -1, count: n)
        let block = 512
        var scores = [Float](repeating: 0, count: block * n)
        for start in stride(from: 0, to: n, by: block) {
            let rows = min(block, n - start)
            vectors.withUnsafeBufferPointer { v in
                BLAS.gemm(
                    .nt, v.baseAddress! + start * d, d, v.baseAddress!, d, &scores, n, m: rows, n: n, k: d,
                    accumulate: false)
            }
            for r in 0..<rows {
                let i = start + r
                for j in (i + 1)..<n where scores[r * n + j] >= threshold {
                    best[i] = max(best[i], scores[r * n + j])
                    best[j] = max(best[j], scores[r * n + j])
                    let (a, b) = (find(i), find(j))
                    if a != b { parent[max(a, b)] = min(a, b) }
                }
            }
        }
        let grouped = Dictionary(grouping: (0..<n).filter { best[$0] >= threshold }, by: find)
        return grouped.values.map { group in group.sorted().map { (index: $0, score: best[$0]) } }
            .sorted { $0[0].index < $1[0].index }
    }
}
