/// The input ends of the towers: image patches plus class token and positions; token lookup plus positions.
@_spi(Kernels) public enum EmbeddingLayers {
    /// `x[b,0] = cls + pos[0]`, `x[b,t] = patches[b,t−1] + pos[t]`; `x` is `[B, tokens, C]`.
    public static func visionForward(
        _ x: UnsafeMutablePointer<Float>, patches: UnsafePointer<Float>, classEmbedding: UnsafePointer<Float>,
        positions: UnsafePointer<Float>, batch: Int, tokens: Int, width c: Int
    ) {
        for b in 0..<batch {
            let xb = x + b * tokens * c
            for j in 0..<c { xb[j] = classEmbedding[j] + positions[j] }
            for t in 1..<tokens {
                let src = patches + (b * (tokens - 1) + t - 1) * c, dst = xb + t * c, pe = positions + t * c
                for j in 0..<c { dst[j] = src[j] + pe[j] }
            }
        }
    }

    /// Inverts `visionForward`: `dcls += Σ_b dx[b,0]`, `dpos += Σ_b dx[b]`, `dpatches = dx[:, 1...]`.
    public static func visionBackward(
        dpatches: UnsafeMutablePointer<Float>, dclass: UnsafeMutablePointer<Float>,
        dpositions: UnsafeMutablePointer<Float>, dx: UnsafePointer<Float>, batch: Int, tokens: Int, width c: Int
    ) {
        for b in 0..<batch {
            let g = dx + b * tokens * c
            for j in 0..<c { dclass[j] += g[j] }
            for i in 0..<(tokens * c) { dpositions[i] += g[i] }
            (dpatches + b * (tokens - 1) * c).update(from: g + c, count: (tokens - 1) * c)
        }
    }

    /// `x[b,t] = tokenEmbedding[ids[b,t]] + pos[t]`; `x` is `[B, T, C]`.
    public static func textForward(
        _ x: UnsafeMutablePointer<Float>, ids: UnsafePointer<Int32>, tokenEmbedding: UnsafePointer<Float>,
        positions: UnsafePointer<Float>, batch: Int, tokens: Int, width c: Int
    ) {
        for r in 0..<(batch * tokens) {
            let e = tokenEmbedding + Int(ids[r]) * c, p = positions + (r % tokens) * c, dst = x + r * c
            for j in 0..<c { dst[j] = e[j] + p[j] }
        }
    }

    /// Inverts `textForward` by scatter-add: each token's row of the table collects its positions' gradients.
    public static func textBackward(
        dtokenEmbedding: UnsafeMutablePointer<Float>, dpositions: UnsafeMutablePointer<Float>,
        dx: UnsafePointer<Float>, ids: UnsafePointer<Int32>, batch: Int, tokens: Int, width c: Int
    ) {
        for r in 0..<(batch * tokens) {
            let g = dx + r * c, e = dtokenEmbedding + Int(ids[r]) * c, p = dpositions + (r % tokens) * c
            for j in 0..<c {
                e[j] += g[j]
                p[j] += g[j]
            }
        }
    }
}
