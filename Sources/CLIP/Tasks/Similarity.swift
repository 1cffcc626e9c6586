import Foundation

/// Scores between sets of L2-normalised embeddings, and the softmax CLIP puts over them.
public enum Similarity {
    /// Dot products `[A, B]` of rows of `a` `[A, D]` with rows of `b` `[B, D]`: cosine similarities when
    /// both are L2-normalised.
    public static func dotProducts(_ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(
            a.shape.count == 2 && b.shape.count == 2 && a.shape[1] == b.shape[1],
            "cosine of \(a.shape) and \(b.shape)")
        let out = Tensor(uninitialized: [a.shape[0], b.shape[0]])
        if a.shape[0] > 0 && b.shape[0] > 0 {
            BLAS.threadedNT(
                a.data, lda: a.shape[1], b.data, ldb: b.shape[1], into: out.data, ldc: b.shape[0],
                m: a.shape[0], n: b.shape[0], k: a.shape[1], accumulate: false)
        }
        return out
    }

    /// `softmax(scale · scores)` of one row, computed stably.
    public static func softmax(_ scores: [Float], scale: Float) -> [Float] {
        guard let top = scores.max() else { return [] }
        let exps = scores.map { expf(scale * ($0 - top)) }
        let sum = exps.reduce(0, +)
        return exps.map { $0 / sum }
    }

    /// Rows of `t` scaled to unit length (zero rows stay zero).
    public static func normalizeRows(_ t: Tensor) {
        let d = t.shape.last ?? 0
        for r in 0..<(t.count / max(d, 1)) {
            let row = t.data + r * d
            var sum: Float = 0
            for k in 0..<d { sum += row[k] * row[k] }
            let inv = sum > 0 ? 1 / sum.squareRoot() : 0
            for k in 0..<d { row[k] *= inv }
        }
    }
}
