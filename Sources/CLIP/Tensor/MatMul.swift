import CBLAS

/// `C[M,N] = A[M,K] · B[N,K]ᵀ (+ C)` on OpenBLAS, split across threads by rows of A when there are enough
/// rows, otherwise by rows of B (output columns), each thread calling single-threaded OpenBLAS.
/// The model runs on `PackedGEMM`; this is the baseline `clip bench --kernels` compares it with.
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
            Parallelism.forEachChunk(m, minChunk: minRowsPerThread) { rows in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                            Int32(rows.count), Int32(n), Int32(k), 1,
                            a + rows.lowerBound * lda, Int32(lda), b, Int32(ldb),
                            beta, c + rows.lowerBound * ldc, Int32(ldc))
            }
        } else {
            // Column chunks are multiples of 16 so each thread's B panel stays SIMD-aligned.
            let blocks = (n + 15) / 16
            Parallelism.forEachChunk(blocks, minChunk: 4) { range in
                let start = range.lowerBound * 16, end = min(n, range.upperBound * 16)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                            Int32(m), Int32(end - start), Int32(k), 1,
                            a, Int32(lda), b + start * ldb, Int32(ldb),
                            beta, c + start, Int32(ldc))
            }
        }
    }
}
