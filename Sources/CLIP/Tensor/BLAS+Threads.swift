extension BLAS {
    /// Rows per thread below which splitting by output columns keeps both cores busier.
    static let minRowsPerThread = 48

    /// `C[M,N] = A[M,K] · B[N,K]ᵀ (+ C)` split across threads by rows of A when there are enough rows,
    /// otherwise by rows of B (output columns), each thread calling single-threaded `gemm`.
    /// The model runs on `PackedGEMM`; this serves unpacked operands (cosine tables) and is the baseline
    /// `clip bench --kernels` compares the packed kernels with.
    static func threadedNT(
        _ a: UnsafePointer<Float>, lda: Int,
        _ b: UnsafePointer<Float>, ldb: Int,
        into c: UnsafeMutablePointer<Float>, ldc: Int,
        m: Int, n: Int, k: Int, accumulate: Bool
    ) {
        if m >= minRowsPerThread * Parallelism.threads || n < 64 {
            Parallelism.forEachChunk(m, minChunk: minRowsPerThread) { rows in
                gemm(
                    .nt, a + rows.lowerBound * lda, lda, b, ldb, c + rows.lowerBound * ldc, ldc,
                    m: rows.count, n: n, k: k, accumulate: accumulate)
            }
        } else {
            // Column chunks are multiples of 16 so each thread's B panel stays SIMD-aligned.
            let blocks = (n + 15) / 16
            Parallelism.forEachChunk(blocks, minChunk: 4) { range in
                let start = range.lowerBound * 16
                let end = min(n, range.upperBound * 16)
                gemm(
                    .nt, a, lda, b + start * ldb, ldb, c + start, ldc,
                    m: m, n: end - start, k: k, accumulate: accumulate)
            }
        }
    }
}
