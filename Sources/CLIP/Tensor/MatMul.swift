import CBLAS

/// Matrix products, all of the form `C[M,N] = A[M,K] · B[N,K]ᵀ + beta·C`, which is how PyTorch stores
/// linear weights (`[out, in]`). Work is split across threads by rows of A when there are enough rows,
/// otherwise by rows of B (output columns), each thread calling single-threaded OpenBLAS.
enum MatMul {
    /// Rows per thread below which splitting by output columns keeps both cores busier.
    static let minRowsPerThread = 48

    static func multiplyTransposed(
        _ a: UnsafePointer<Float>, lda: Int,
        _ b: UnsafePointer<Float>, ldb: Int,
        into c: UnsafeMutablePointer<Float>, ldc: Int,
        m: Int, n: Int, k: Int, accumulate: Bool
    ) {
        let beta: Float = accumulate ? 1 : 0
        if m >= minRowsPerThread * Parallelism.threads || n < 64 {
            Parallelism.forEachChunk(m, minChunk: minRowsPerThread) { _, rows in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                            Int32(rows.count), Int32(n), Int32(k), 1,
                            a + rows.lowerBound * lda, Int32(lda), b, Int32(ldb),
                            beta, c + rows.lowerBound * ldc, Int32(ldc))
            }
        } else {
            // Column chunks are multiples of 16 so each thread's B panel stays SIMD-aligned.
            let blocks = (n + 15) / 16
            Parallelism.forEachChunk(blocks, minChunk: 4) { _, range in
                let start = range.lowerBound * 16, end = min(n, range.upperBound * 16)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                            Int32(m), Int32(end - start), Int32(k), 1,
                            a, Int32(lda), b + start * ldb, Int32(ldb),
                            beta, c + start, Int32(ldc))
            }
        }
    }

    /// `out[M,N] = inp[M,K] · weight[N,K]ᵀ + bias[N]`.
    static func linear(_ input: UnsafePointer<Float>, weight: Tensor, bias: Tensor?, into out: UnsafeMutablePointer<Float>, rows: Int) {
        let n = weight.shape[0], k = weight.shape[1]
        if let bias {
            for r in 0..<rows { (out + r * n).update(from: bias.data, count: n) }
        }
        multiplyTransposed(input, lda: k, weight.data, ldb: k, into: out, ldc: n, m: rows, n: n, k: k, accumulate: bias != nil)
    }
}
