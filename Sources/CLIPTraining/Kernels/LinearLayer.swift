import CLIP

/// `out[R,O] = inp[R,I] · W[O,I]ᵀ + b[O]` (b optional), PyTorch's `nn.Linear` layout.
@_spi(Kernels) public enum LinearLayer {
    public static func forward(
        _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        rows: Int, inputs: Int, outputs: Int
    ) {
        Parallelism.forEachChunk(rows, minChunk: 16) { r in
            let o = out + r.lowerBound * outputs
            if let bias { for i in 0..<r.count { (o + i * outputs).update(from: bias, count: outputs) } }
            BLAS.gemm(
                .nt, inp + r.lowerBound * inputs, inputs, weight, inputs, o, outputs,
                m: r.count, n: outputs, k: inputs, accumulate: bias != nil)
        }
    }

    /// Inverts `forward`: `dW += doutᵀ·inp`, `db += Σ_rows dout` (parameter gradients always add), and
    /// `dinp = dout·W` (or `+=` with `accumulateInput`, for a residual branch), skipped when `dinp` is nil.
    public static func backward(
        dinp: UnsafeMutablePointer<Float>?, accumulateInput: Bool = false,
        dweight: UnsafeMutablePointer<Float>, dbias: UnsafeMutablePointer<Float>?,
        dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        rows: Int, inputs: Int, outputs: Int
    ) {
        if let dinp {
            Parallelism.forEachChunk(rows, minChunk: 16) { r in
                BLAS.gemm(
                    .nn, dout + r.lowerBound * outputs, outputs, weight, inputs,
                    dinp + r.lowerBound * inputs, inputs,
                    m: r.count, n: inputs, k: outputs, accumulate: accumulateInput)
            }
        }
        // Split by output features: each thread owns whole rows of dW (and entries of db).
        Parallelism.forEachChunk(outputs, minChunk: 8) { o in
            BLAS.gemm(
                .tn, dout + o.lowerBound, outputs, inp, inputs, dweight + o.lowerBound * inputs, inputs,
                m: o.count, n: inputs, k: rows, accumulate: true)
            if let dbias {
                for r in 0..<rows {
                    let row = dout + r * outputs
                    for j in o { dbias[j] += row[j] }
                }
            }
        }
    }
}
