import CLIP
import Foundation

/// Multi-head self-attention on a fused projection: each row of `qkv` is `[q | k | v]` (`3C` wide, heads
/// of `C/H` side by side). Forward saves the probabilities `[B, H, T, T]` that backward needs.
@_spi(Kernels) public enum AttentionLayer {
    public static func forward(
        _ out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>,
        qkv: UnsafePointer<Float>,
        batch: Int, tokens t: Int, width c: Int, heads: Int, causal: Bool
    ) {
        let hd = c / heads, scale = 1 / Float(hd).squareRoot()
        Parallelism.forEachChunk(batch * heads) { range in
            for item in range {
                let b = item / heads, h = item % heads
                let q = qkv + b * t * 3 * c + h * hd, k = q + c, v = q + 2 * c
                let p = probs + item * t * t
                BLAS.gemm(.nt, q, 3 * c, k, 3 * c, p, t, m: t, n: t, k: hd, alpha: scale, accumulate: false)
                for i in 0..<t {
                    let row = p + i * t, visible = causal ? i + 1 : t
                    Softmax.inPlace(row, count: visible)
                    for j in visible..<t { row[j] = 0 }
                }
                BLAS.gemm(.nn, p, t, v, 3 * c, out + b * t * c + h * hd, c, m: t, n: hd, k: t, accumulate: false)
            }
        }
    }

    /// Inverts `forward`, writing all of `dqkv` (`[B, T, 3C]`).
    public static func backward(
        dqkv: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
        qkv: UnsafePointer<Float>, probs: UnsafePointer<Float>,
        batch: Int, tokens t: Int, width c: Int, heads: Int
    ) {
        let hd = c / heads, scale = 1 / Float(hd).squareRoot()
        Parallelism.forEachChunk(batch * heads) { range in
            let dp = UnsafeMutablePointer<Float>.allocate(capacity: t * t)
            defer { dp.deallocate() }
            for item in range {
                let b = item / heads, h = item % heads
                let q = qkv + b * t * 3 * c + h * hd, k = q + c, v = q + 2 * c
                let dq = dqkv + b * t * 3 * c + h * hd, dk = dq + c, dv = dq + 2 * c
                let p = probs + item * t * t, dy = dout + b * t * c + h * hd
                // out = P·V  →  dP = dout·Vᵀ, dV = Pᵀ·dout
                BLAS.gemm(.nt, dy, c, v, 3 * c, dp, t, m: t, n: t, k: hd, accumulate: false)
                BLAS.gemm(.tn, p, t, dy, c, dv, 3 * c, m: t, n: hd, k: t, accumulate: false)
                // P = softmax(S)  →  dS = P ⊙ (dP − Σ_j dP·P); masked entries have P = 0 and stay 0.
                for i in 0..<t {
                    let pr = p + i * t, dr = dp + i * t
                    var dot: Float = 0
                    for j in 0..<t { dot += pr[j] * dr[j] }
                    for j in 0..<t { dr[j] = pr[j] * (dr[j] - dot) }
                }
                // S = scale·Q·Kᵀ  →  dQ = scale·dS·K, dK = scale·dSᵀ·Q
                BLAS.gemm(.nn, dp, t, k, 3 * c, dq, 3 * c, m: t, n: hd, k: t, alpha: scale, accumulate: false)
                BLAS.gemm(.tn, dp, t, q, 3 * c, dk, 3 * c, m: t, n: hd, k: t, alpha: scale, accumulate: false)
            }
        }
    }
}
