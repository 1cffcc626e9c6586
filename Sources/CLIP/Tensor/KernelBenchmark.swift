import Dispatch

/// GEMM throughput of the model's kernels and of OpenBLAS on the shapes CLIP runs, for `clip bench --kernels`.
public enum KernelBenchmark {
    /// GFLOP/s (GOP/s for int8) of the model's GEMM entry point with weights packed in `format`, counting
    /// 2·M·N·K operations per call, including the activation conversion that bf16 and int8 do per call.
    public static func gemm(
        rows m: Int, outFeatures n: Int, inFeatures k: Int, format: Precision = .fp32,
        seconds: Double = 1
    ) -> Double {
        let (x, w, c) = operands(m, n, k)
        let packed = PackedWeights(w, format: format)
        let scratch = GEMMScratch()
        return rate(m, n, k, seconds) {
            GEMM.multiply(
                x.data, ldx: k, rows: m, weights: packed, into: c.data, ldc: n, accumulate: false,
                scratch: scratch)
        }
    }

    /// GFLOP/s of OpenBLAS sgemm (one thread per worker, split as `BLAS.threadedNT` does).
    public static func blas(rows m: Int, outFeatures n: Int, inFeatures k: Int, seconds: Double = 1) -> Double {
        let (x, w, c) = operands(m, n, k)
        return rate(m, n, k, seconds) {
            BLAS.threadedNT(x.data, lda: k, w.data, ldb: k, into: c.data, ldc: n, m: m, n: n, k: k, accumulate: false)
        }
    }

    private static func operands(_ m: Int, _ n: Int, _ k: Int) -> (Tensor, Tensor, Tensor) {
        let x = Tensor(uninitialized: [m, k]), w = Tensor(uninitialized: [n, k]), c = Tensor(uninitialized: [m, n])
        for i in 0..<x.count { x.data[i] = Float(i % 13) * 0.01 }
        for i in 0..<w.count { w.data[i] = Float(i % 7) * 0.01 }
        return (x, w, c)
    }

    private static func rate(_ m: Int, _ n: Int, _ k: Int, _ seconds: Double, _ body: () -> Void) -> Double {
        body()
        var runs = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        repeat {
            body()
            runs += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < seconds
        return Double(runs) * 2 * Double(m * n * k) / elapsed / 1e9
    }
}
