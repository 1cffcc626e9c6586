import CLIP
import XCTest

/// `BLAS`, the one front-end to OpenBLAS, against products written out in Double: each layout with strided
/// operands (leading dimensions wider than the rows), `alpha`, and accumulation into `C`; `gemv` both ways.
/// Tolerance 1e-5 (fp32 accumulation over ≤ 37 terms of values below 1).
final class BLASTests: XCTestCase {
    private func values(_ count: Int, seed: Int) -> [Float] {
        (0..<count).map { Float(($0 * 7 + seed * 13) % 23) / 23 - 0.5 }
    }

    func testGEMMLayoutsMatchTheDefinition() {
        let m = 5, n = 7, k = 37, pad = 3
        for layout in [BLAS.Layout.nt, .nn, .tn] {
            // Stored shapes: nt A[m,k] B[n,k]; nn A[m,k] B[k,n]; tn A[k,m] B[k,n].
            let (aRows, aCols) = layout == .tn ? (k, m) : (m, k)
            let (bRows, bCols) = layout == .nt ? (n, k) : (k, n)
            let lda = aCols + pad, ldb = bCols + pad, ldc = n + pad
            let a = values(aRows * lda, seed: 1), b = values(bRows * ldb, seed: 2)
            let start = values(m * ldc, seed: 3)
            func aAt(_ i: Int, _ p: Int) -> Double { Double(layout == .tn ? a[p * lda + i] : a[i * lda + p]) }
            func bAt(_ p: Int, _ j: Int) -> Double { Double(layout == .nt ? b[j * ldb + p] : b[p * ldb + j]) }
            for accumulate in [false, true] {
                var c = start
                BLAS.gemm(layout, a, lda, b, ldb, &c, ldc, m: m, n: n, k: k, alpha: 0.5, accumulate: accumulate)
                for i in 0..<m {
                    for j in 0..<n {
                        let product = 0.5 * (0..<k).reduce(0.0) { $0 + aAt(i, $1) * bAt($1, j) }
                        let expected = product + (accumulate ? Double(start[i * ldc + j]) : 0)
                        XCTAssertEqual(Double(c[i * ldc + j]), expected, accuracy: 1e-5, "\(layout) [\(i), \(j)]")
                    }
                }
            }
        }
    }

    func testGEMVBothWaysMatchesTheDefinition() {
        let rows = 6, columns = 9, lda = 11
        let a = values(rows * lda, seed: 4)
        let x = values(max(rows, columns), seed: 5)
        var y = [Float](repeating: 1, count: rows)
        BLAS.gemv(transposed: false, a, rows: rows, columns: columns, lda: lda, x, into: &y, alpha: 2)
        for i in 0..<rows {
            let expected = 2 * (0..<columns).reduce(0.0) { $0 + Double(a[i * lda + $1]) * Double(x[$1]) }
            XCTAssertEqual(Double(y[i]), expected, accuracy: 1e-5, "row \(i)")
        }
        var yt = [Float](repeating: 1, count: columns)
        BLAS.gemv(transposed: true, a, rows: rows, columns: columns, lda: lda, x, into: &yt)
        for j in 0..<columns {
            let expected = (0..<rows).reduce(0.0) { $0 + Double(a[$1 * lda + j]) * Double(x[$1]) }
            XCTAssertEqual(Double(yt[j]), expected, accuracy: 1e-5, "column \(j)")
        }
    }
}
