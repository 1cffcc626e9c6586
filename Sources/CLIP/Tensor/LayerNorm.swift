/// LayerNorm over the last dimension, optionally fused with the residual bias add that precedes it
/// (`x += bias; out = LN(x)`), so the residual stream is touched once per sub-layer.
enum LayerNormKernel {
    static func forward(
        _ x: UnsafeMutablePointer<Float>, rows: Int, width: Int,
        addingBias bias: UnsafePointer<Float>? = nil,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float,
        into out: UnsafeMutablePointer<Float>?
    ) {
        Parallelism.forEachChunk(rows, minChunk: 8) { range in
            for r in range {
                normalizeRow(
                    x + r * width, width: width, bias: bias, gamma: gamma, beta: beta, eps: eps,
                    out: out.map { $0 + r * width })
            }
        }
    }

    @inline(__always)
    static func normalizeRow(
        _ row: UnsafeMutablePointer<Float>, width: Int, bias: UnsafePointer<Float>?,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float,
        out: UnsafeMutablePointer<Float>?
    ) {
        let vecs = width / 8
        var sum = Vec8(), i = 0
        if let bias {
            while i < vecs * 8 {
                let v =
                    UnsafeRawPointer(row + i).loadUnaligned(as: Vec8.self)
                    + UnsafeRawPointer(bias + i).loadUnaligned(as: Vec8.self)
                UnsafeMutableRawPointer(row + i).storeBytes(of: v, as: Vec8.self)
                sum += v
                i += 8
            }
            while i < width {
                row[i] += bias[i]
                i += 1
            }
        } else {
            while i < vecs * 8 {
                sum += UnsafeRawPointer(row + i).loadUnaligned(as: Vec8.self)
                i += 8
            }
        }
        guard let out else { return }
        var total = sum.sum()
        for j in (vecs * 8)..<width { total += row[j] }
        let mean = total / Float(width)
        // Two-pass variance: exact enough in fp32 for widths up to a few thousand.
        var sq = Vec8()
        i = 0
        while i < vecs * 8 {
            let d = UnsafeRawPointer(row + i).loadUnaligned(as: Vec8.self) - mean
            sq += d * d
            i += 8
        }
        var variance = sq.sum()
        for j in (vecs * 8)..<width {
            let d = row[j] - mean
            variance += d * d
        }
        variance /= Float(width)
        let rstd = 1 / (variance + eps).squareRoot()
        i = 0
        while i < vecs * 8 {
            let v = (UnsafeRawPointer(row + i).loadUnaligned(as: Vec8.self) - mean) * rstd
            let g = UnsafeRawPointer(gamma + i).loadUnaligned(as: Vec8.self)
            let b = UnsafeRawPointer(beta + i).loadUnaligned(as: Vec8.self)
            UnsafeMutableRawPointer(out + i).storeBytes(of: v * g + b, as: Vec8.self)
            i += 8
        }
        while i < width {
            out[i] = (row[i] - mean) * rstd * gamma[i] + beta[i]
            i += 1
        }
    }

    /// `x += bias` for every row (the last block's residual bias, with no LayerNorm after it).
    static func addBias(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, bias: UnsafePointer<Float>) {
        for r in 0..<rows {
            let row = x + r * width
            for j in 0..<width { row[j] += bias[j] }
        }
    }
}
