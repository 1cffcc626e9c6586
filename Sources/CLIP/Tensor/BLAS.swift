import CBLAS

/// The one door to OpenBLAS: row-major single-precision products on the calling thread. Every tower, the
/// ResNet pool, training and the library's near-duplicate search call these; no other module imports CBLAS.
/// OpenBLAS is kept single-threaded (`Parallelism` splits the work itself, one chunk per core), so these
/// are safe to call from inside a `Parallelism.forEachChunk` chunk.
///
/// Kept to plain calls, without `@inlinable`: a client module would then need CBLAS itself, and one call
/// costs nanoseconds beside a product of microseconds.
public enum BLAS {
    /// Which operands are transposed, named as `C = A·B` reads: `nt` is `A[m,k] · B[n,k]ᵀ`.
    public enum Layout: Sendable {
        /// `C[m,n] (+)= alpha · A[m,k] · B[n,k]ᵀ`: a linear layer, or rows against rows (cosines).
        case nt
        /// `C[m,n] (+)= alpha · A[m,k] · B[k,n]`
        case nn
        /// `C[m,n] (+)= alpha · A[k,m]ᵀ · B[k,n]`: a weight gradient.
        case tn
    }

    /// `C = alpha · op(A) · op(B) (+ C when accumulate)`, single-threaded.
    public static func gemm(
        _ layout: Layout, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, m: Int, n: Int, k: Int, alpha: Float = 1, accumulate: Bool
    ) {
        let (transA, transB): (CBLAS_TRANSPOSE, CBLAS_TRANSPOSE)
        switch layout {
        case .nt: (transA, transB) = (CblasNoTrans, CblasTrans)
        case .nn: (transA, transB) = (CblasNoTrans, CblasNoTrans)
        case .tn: (transA, transB) = (CblasTrans, CblasNoTrans)
        }
        cblas_sgemm(
            CblasRowMajor, transA, transB, Int32(m), Int32(n), Int32(k), alpha,
            a, Int32(lda), b, Int32(ldb), accumulate ? 1 : 0, c, Int32(ldc))
    }

    /// `y = alpha · A · x` for `A[rows, columns]` (`y` has `rows` entries), or `alpha · Aᵀ · x` when
    /// `transposed` (`y` has `columns` entries); unit strides, single-threaded.
    public static func gemv(
        transposed: Bool, _ a: UnsafePointer<Float>, rows: Int, columns: Int, lda: Int,
        _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, alpha: Float = 1
    ) {
        cblas_sgemv(
            CblasRowMajor, transposed ? CblasTrans : CblasNoTrans, Int32(rows), Int32(columns), alpha,
            a, Int32(lda), x, 1, 0, y, 1)
    }

    /// OpenBLAS's own threads would spin against `Parallelism`'s; called whenever the thread count is set.
    static func keepSingleThreaded() {
        openblas_set_num_threads(1)
    }
}
