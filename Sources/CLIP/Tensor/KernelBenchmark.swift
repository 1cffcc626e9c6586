import Dispatch

/// GEMM throughput of the packed kernel and of OpenBLAS on the shapes CLIP runs, for `clip bench --kernels`.
public enum KernelBenchmark {
    public struct Result: Sendable {
        public let rows: Int, outFeatures: Int, inFeatures: Int
        public let packedGFLOPS: Double, blasGFLOPS: Double
    }

    public static func gemm(rows m: Int, outFeatures n: Int, inFeatures k: Int, seconds: Double = 1.5) -> Result {
        let x = Tensor(uninitialized: [m, k]), w = Tensor(uninitialized: [n, k]), c = Tensor(uninitialized: [m, n])
        for i in 0..<x.count { x.data[i] = Float(i % 13) * 0.01 }
        for i in 0..<w.count { w.data[i] = Float(i % 7) * 0.01 }
        let packed = PackedWeights(w)
        func rate(_ body: () -> Void) -> Double {
            body()
            var runs = 0
            let start = DispatchTime.now().uptimeNanoseconds
            var elapsed = 0.0
            repeat {
                body(); runs += 1
                elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            } while elapsed < seconds
            return Double(runs) * 2 * Double(m * n * k) / elapsed / 1e9
        }
        let packedRate = rate { PackedGEMM.multiply(x.data, ldx: k, rows: m, weights: packed, into: c.data, ldc: n, accumulate: false) }
        let blasRate = rate { MatMul.multiplyTransposed(x.data, lda: k, w.data, ldb: k, into: c.data, ldc: n, m: m, n: n, k: k, accumulate: false) }
        return Result(rows: m, outFeatures: n, inFeatures: k, packedGFLOPS: packedRate, blasGFLOPS: blasRate)
    }
}
