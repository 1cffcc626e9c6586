/// `C[M, N] (+)= X[M, K] · Wᵀ` with W pre-packed (see `PackedWeights`).
///
/// Blocking: K in blocks of `kBlock` (so a 16-wide weight sliver stays in L2), M in blocks of `mBlock` rows
/// (so the activation block stays in L2 across all panels); output panels are split across threads, so
/// every thread reads shared activations and its own weights. The 6×16 micro-kernel keeps 12 AVX2
/// accumulators in registers and does 12 FMAs per k step; the last tile of an M block uses a copy
/// specialised for its row count.
enum PackedGEMM {
    static let tileRows = 6
    // Measured on the 2-core test machine (see docs/performance.md): 96 × 768 keeps the activation block
    // (288 KB) and one weight sliver (48 KB) inside a 512 KB L2.
    static let mBlock = 96
    static let kBlock = 768

    static func multiply(
        _ x: UnsafePointer<Float>, ldx: Int, rows m: Int,
        weights w: PackedWeights,
        into c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, serial: Bool = false
    ) {
        let k = w.inFeatures, n = w.outFeatures, width = PackedWeights.panelWidth
        guard m > 0 else { return }
        let kBlocks = max(1, (k + kBlock - 1) / kBlock)
        let kStep = (k + kBlocks - 1) / kBlocks
        GEMM.split(w.panels, serial: serial) { panels in
            var k0 = 0
            while k0 < k {
                let kLen = min(kStep, k - k0)
                let load = accumulate || k0 > 0
                var m0 = 0
                while m0 < m {
                    let mEnd = min(m, m0 + mBlock)
                    for p in panels {
                        let wp = w.data + p * k * width + k0 * width
                        let cols = min(width, n - p * width)
                        var r = m0
                        while r < mEnd {
                            let rows = min(tileRows, mEnd - r)
                            let xr = x + r * ldx + k0, cr = c + r * ldc + p * width
                            // A constant row count per call lets the compiler drop the unused accumulators.
                            switch rows {
                            case 6:
                                kernel(
                                    rows: 6, xr, ldx: ldx, w: wp, kLen: kLen, c: cr, ldc: ldc, cols: cols, load: load)
                            case 5:
                                kernel(
                                    rows: 5, xr, ldx: ldx, w: wp, kLen: kLen, c: cr, ldc: ldc, cols: cols, load: load)
                            case 4:
                                kernel(
                                    rows: 4, xr, ldx: ldx, w: wp, kLen: kLen, c: cr, ldc: ldc, cols: cols, load: load)
                            case 3:
                                kernel(
                                    rows: 3, xr, ldx: ldx, w: wp, kLen: kLen, c: cr, ldc: ldc, cols: cols, load: load)
                            case 2:
                                kernel(
                                    rows: 2, xr, ldx: ldx, w: wp, kLen: kLen, c: cr, ldc: ldc, cols: cols, load: load)
                            default:
                                kernel(
                                    rows: 1, xr, ldx: ldx, w: wp, kLen: kLen, c: cr, ldc: ldc, cols: cols, load: load)
                            }
                            r += rows
                        }
                    }
                    m0 = mEnd
                }
                k0 += kLen
            }
        }
    }

    /// Up to 6 rows × 16 outputs. Always inlined with a literal `rows`, so the `rows >` tests fold away.
    @inline(__always)
    static func kernel(
        rows: Int, _ x: UnsafePointer<Float>, ldx: Int, w: UnsafePointer<Float>, kLen: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int, load: Bool
    ) {
        let x0 = x, x1 = x + ldx, x2 = x + 2 * ldx, x3 = x + 3 * ldx, x4 = x + 4 * ldx, x5 = x + 5 * ldx
        var c00 = Vec8(), c01 = Vec8(), c10 = Vec8(), c11 = Vec8(), c20 = Vec8(), c21 = Vec8()
        var c30 = Vec8(), c31 = Vec8(), c40 = Vec8(), c41 = Vec8(), c50 = Vec8(), c51 = Vec8()
        let raw = UnsafeRawPointer(w)
        for kk in 0..<kLen {
            let b0 = raw.load(fromByteOffset: kk * 64, as: Vec8.self)
            let b1 = raw.load(fromByteOffset: kk * 64 + 32, as: Vec8.self)
            var a = Vec8(repeating: x0[kk])
            c00 = c00.addingProduct(a, b0)
            c01 = c01.addingProduct(a, b1)
            if rows > 1 {
                a = Vec8(repeating: x1[kk])
                c10 = c10.addingProduct(a, b0)
                c11 = c11.addingProduct(a, b1)
            }
            if rows > 2 {
                a = Vec8(repeating: x2[kk])
                c20 = c20.addingProduct(a, b0)
                c21 = c21.addingProduct(a, b1)
            }
            if rows > 3 {
                a = Vec8(repeating: x3[kk])
                c30 = c30.addingProduct(a, b0)
                c31 = c31.addingProduct(a, b1)
            }
            if rows > 4 {
                a = Vec8(repeating: x4[kk])
                c40 = c40.addingProduct(a, b0)
                c41 = c41.addingProduct(a, b1)
            }
            if rows > 5 {
                a = Vec8(repeating: x5[kk])
                c50 = c50.addingProduct(a, b0)
                c51 = c51.addingProduct(a, b1)
            }
        }
        store(c, cols: cols, load: load, c00, c01)
        if rows > 1 { store(c + ldc, cols: cols, load: load, c10, c11) }
        if rows > 2 { store(c + 2 * ldc, cols: cols, load: load, c20, c21) }
        if rows > 3 { store(c + 3 * ldc, cols: cols, load: load, c30, c31) }
        if rows > 4 { store(c + 4 * ldc, cols: cols, load: load, c40, c41) }
        if rows > 5 { store(c + 5 * ldc, cols: cols, load: load, c50, c51) }
    }

    @inline(__always)
    static func store(_ dst: UnsafeMutablePointer<Float>, cols: Int, load: Bool, _ lo: Vec8, _ hi: Vec8) {
        if cols == 16 {
            let d = UnsafeMutableRawPointer(dst)
            if load {
                d.storeBytes(of: d.loadUnaligned(as: Vec8.self) + lo, as: Vec8.self)
                d.storeBytes(
                    of: d.loadUnaligned(fromByteOffset: 32, as: Vec8.self) + hi, toByteOffset: 32, as: Vec8.self)
            } else {
                d.storeBytes(of: lo, as: Vec8.self)
                d.storeBytes(of: hi, toByteOffset: 32, as: Vec8.self)
            }
        } else {
            for j in 0..<cols {
                let v = j < 8 ? lo[j] : hi[j - 8]
                dst[j] = load ? dst[j] + v : v
            }
        }
    }
}
