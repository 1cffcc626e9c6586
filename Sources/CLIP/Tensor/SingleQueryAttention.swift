import Foundation

/// One query per image attending to that image's tokens (ModifiedResNet's attention pool, SigLIP's MAP head),
/// without keys or values for every token. With `q_h` the query's head `h`, a token's score is
/// `q_h · (K_h t + b_h)`: that is `probe_h · t` with `probe_h = scale · K_hᵀ q_h`, plus a constant of the
/// head that softmax drops; and the head's output `Σ p_t (V_h t + c_h)` is `V_h (Σ p_t t) + c_h`. Per image
/// that is a few C×C products with vectors instead of two with every token.
enum SingleQueryAttention {
    /// The heads' outputs `[images, C]` into `out`, for `tokens` rows of width `c` per image at `x`.
    /// `probe(image, head, scratch)` gives the head's scaled probe ([C]), computed into `scratch` when it
    /// depends on the image. `value` is V `[C, C]`, `valueBias` c.
    static func attend(
        _ x: UnsafePointer<Float>, images: Int, tokens: Int, width c: Int, heads: Int,
        probe: (_ image: Int, _ head: Int, _ scratch: UnsafeMutablePointer<Float>)
            -> UnsafePointer<Float>,
        value: UnsafePointer<Float>, valueBias: UnsafePointer<Float>,
        into out: UnsafeMutablePointer<Float>
    ) {
        let hd = c / heads
        Parallelism.forEachChunk(images * heads) { part in
            var scores = [Float](repeating: 0, count: tokens)
            var mean = [Float](repeating: 0, count: c)
            var scratch = [Float](repeating: 0, count: c)
            for job in part {
                let image = job / heads, h = job % heads, rows = x + image * tokens * c
                let p = scratch.withUnsafeMutableBufferPointer { probe(image, h, $0.baseAddress!) }
                BLAS.gemv(transposed: false, rows, rows: tokens, columns: c, lda: c, p, into: &scores)
                let best = scores.max()!
                var total: Float = 0
                for j in 0..<tokens {
                    scores[j] = expf(scores[j] - best)
                    total += scores[j]
                }
                for j in 0..<tokens { scores[j] /= total }
                BLAS.gemv(transposed: true, rows, rows: tokens, columns: c, lda: c, scores, into: &mean)
                let result = out + image * c + h * hd
                BLAS.gemv(transposed: false, value + h * hd * c, rows: hd, columns: c, lda: c, mean, into: result)
                for i in 0..<hd { result[i] += valueBias[h * hd + i] }
            }
        }
    }
}
