/// The ViT stem (a stride-p, kernel-p convolution) as im2col followed by one GEMM.
public enum PatchEmbedding {
    /// Rearranges `[batch, channels, size, size]` pixels into `[batch·grid², channels·p·p]` patch rows whose
    /// column order `(c, ky, kx)` matches a flattened conv weight `[width, channels, p, p]`.
    public static func im2col(
        _ pixels: UnsafePointer<Float>, batch: Int, channels: Int, size: Int, patch: Int,
        into cols: UnsafeMutablePointer<Float>
    ) {
        let grid = size / patch
        let rowWidth = channels * patch * patch
        Parallelism.forEachChunk(batch * grid) { range in
            for item in range {
                let b = item / grid, gy = item % grid
                for gx in 0..<grid {
                    let dst = cols + ((b * grid + gy) * grid + gx) * rowWidth
                    for c in 0..<channels {
                        for ky in 0..<patch {
                            let src = pixels + ((b * channels + c) * size + gy * patch + ky) * size + gx * patch
                            (dst + (c * patch + ky) * patch).update(from: src, count: patch)
                        }
                    }
                }
            }
        }
    }
}

extension PatchEmbedding {
    /// The ViT stem on a forward workspace: im2col into the MLP buffer (borrowed when it fits; its own
    /// buffer otherwise), then one GEMM of the patches by `weights` (`[C, channels·p·p]`), plus `bias` when the
    /// convolution has one, into `output` (`[batch·grid², C]`).
    static func forward(
        _ pixels: Tensor, batch: Int, channels: Int, size: Int, patch: Int, weights: PackedWeights,
        bias: UnsafePointer<Float>? = nil, ws: TransformerWorkspace, into output: UnsafeMutablePointer<Float>
    ) {
        let grid = size / patch, rows = batch * grid * grid, colWidth = channels * patch * patch
        let ownCols: Tensor? = rows * colWidth <= ws.mlp.count ? nil : Tensor(uninitialized: [rows, colWidth])
        let cols = ownCols?.data ?? ws.mlp.data
        im2col(pixels.data, batch: batch, channels: channels, size: size, patch: patch, into: cols)
        GEMM.multiply(
            cols, ldx: colWidth, rows: rows, weights: weights, into: output, ldc: weights.outFeatures,
            accumulate: false,
            bias: bias, scratch: ws.scratch)
        withExtendedLifetime(ownCols) {}
    }

    /// The adjoint of `im2col`: patch rows back to `[batch, channels, size, size]` (patches do not overlap, so
    /// each pixel takes one value; pixels past the last whole patch get 0). Used for gradients to the pixels.
    public static func col2im(
        _ cols: UnsafePointer<Float>, batch: Int, channels: Int, size: Int, patch: Int,
        into pixels: UnsafeMutablePointer<Float>
    ) {
        let grid = size / patch, rowWidth = channels * patch * patch
        pixels.update(repeating: 0, count: batch * channels * size * size)
        for b in 0..<batch {
            for gy in 0..<grid {
                for gx in 0..<grid {
                    let src = cols + ((b * grid + gy) * grid + gx) * rowWidth
                    for c in 0..<channels {
                        for ky in 0..<patch {
                            let dst = pixels + ((b * channels + c) * size + gy * patch + ky) * size + gx * patch
                            dst.update(from: src + (c * patch + ky) * patch, count: patch)
                        }
                    }
                }
            }
        }
    }
}

enum Normalize {
    /// Divides each row by its L2 norm (as `F.normalize`, with the same 1e-12 floor).
    static func l2Rows(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        for r in 0..<rows {
            let row = x + r * width
            var sum: Float = 0
            for j in 0..<width { sum += row[j] * row[j] }
            let inv = 1 / max(sum.squareRoot(), 1e-12)
            for j in 0..<width { row[j] *= inv }
        }
    }
}
