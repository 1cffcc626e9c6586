import CLIP

/// LayerNorm over the last dimension: `out = (x − mean)·rstd·γ + β`, saving mean and rstd for backward.
@_spi(Kernels) public enum LayerNormLayer {
    public static func forward(
        _ out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
        _ inp: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
        rows: Int, width: Int, eps: Float
    ) {
        Parallelism.forEachChunk(rows, minChunk: 16) { range in
            for r in range {
                let x = inp + r * width, y = out + r * width
                var sum: Float = 0
                for i in 0..<width { sum += x[i] }
                let m = sum / Float(width)
                var variance: Float = 0
                for i in 0..<width {
                    let d = x[i] - m
                    variance += d * d
                }
                let s = 1 / (variance / Float(width) + eps).squareRoot()
                for i in 0..<width { y[i] = (x[i] - m) * s * gamma[i] + beta[i] }
                mean[r] = m
                rstd[r] = s
            }
        }
    }

    /// Inverts `forward`. `dinp +=` (LayerNorm sits on a residual branch, whose gradient is already there);
    /// `dγ += Σ dout·x̂`, `dβ += Σ dout`.
    public static func backward(
        dinp: UnsafeMutablePointer<Float>, dgamma: UnsafeMutablePointer<Float>, dbeta: UnsafeMutablePointer<Float>,
        dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
        mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, rows: Int, width: Int
    ) {
        // dx = rstd · (g − mean(g) − x̂·mean(g·x̂)) with g = dout·γ.
        Parallelism.forEachChunk(rows, minChunk: 16) { range in
            for r in range {
                let x = inp + r * width, dy = dout + r * width, dx = dinp + r * width
                let m = mean[r], s = rstd[r]
                var meanG: Float = 0, meanGX: Float = 0
                for i in 0..<width {
                    let g = dy[i] * gamma[i]
                    meanG += g
                    meanGX += g * (x[i] - m) * s
                }
                meanG /= Float(width)
                meanGX /= Float(width)
                for i in 0..<width {
                    let xhat = (x[i] - m) * s
                    dx[i] += s * (dy[i] * gamma[i] - meanG - xhat * meanGX)
                }
            }
        }
        // Parameter gradients reduce over rows; split by feature so no two threads write one entry.
        Parallelism.forEachChunk(width, minChunk: 16) { features in
            for r in 0..<rows {
                let x = inp + r * width, dy = dout + r * width
                let m = mean[r], s = rstd[r]
                for i in features {
                    dgamma[i] += dy[i] * (x[i] - m) * s
                    dbeta[i] += dy[i]
                }
            }
        }
    }
}
