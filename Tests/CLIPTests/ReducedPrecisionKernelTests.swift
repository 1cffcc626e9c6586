import CKernels
import CLIP
import XCTest

/// The int8 (AVX2, AVX512-VNNI, AMX) and bf16 (AVX512-BF16) GEMMs against the scalar reference kernels, on odd shapes:
/// rows 1, 7, 50, 257; K not a multiple of the 4-wide (int8) or 2-wide (bf16) group; N not a multiple of 16.
/// int8 sums must be exact in s32; bf16 sums differ from the reference only by fp32 summation order.
/// On a CPU without these instructions (or with CLIP_CPU_FEATURES masking them) the fast-kernel tests skip,
/// and the dispatch tests below show that such a CPU falls back to fp32.
final class ReducedPrecisionKernelTests: XCTestCase {
    static var plain: clip_epilogue { clip_epilogue(bias: nil, activation: Int32(CLIP_ACTIVATION_NONE), accumulate: 0) }
    static var residual: clip_epilogue {
        clip_epilogue(bias: nil, activation: Int32(CLIP_ACTIVATION_NONE), accumulate: 1)
    }
    static let shapes: [(m: Int, n: Int, k: Int)] = [
        (1, 17, 5), (7, 33, 9), (50, 100, 130), (257, 48, 67), (50, 2304, 771)
    ]

    func values(_ count: Int, seed: Int, scale: Float) -> [Float] {
        (0..<count).map { Float(($0 &* 7919 &+ seed &* 104_729) % 401 - 200) * scale / 200 }
    }

    typealias QuantizeRows = @convention(c) (
        UnsafePointer<Float>?, Int, Int, Int, UnsafeMutablePointer<UInt8>?, Int, UnsafeMutablePointer<Float>?
    ) -> Void
    typealias GEMMu8s8 = @convention(c) (
        UnsafePointer<UInt8>?, Int, Int, UnsafePointer<Float>?, UnsafePointer<Int8>?, UnsafePointer<Float>?,
        UnsafePointer<Int32>?, Int, Int, Int, Int, UnsafeMutablePointer<Float>?, Int, clip_epilogue,
        UnsafeMutablePointer<Int32>?, Int
    ) -> Void

    /// Every int8 kernel this CPU runs (not only the one `KernelTable.current` picks): AVX2, AVX512-VNNI, AMX.
    static var int8KernelsHere: [(name: String, quantize: QuantizeRows, gemm: GEMMu8s8)] {
        let features = CPUFeatures.detected
        var kernels: [(name: String, quantize: QuantizeRows, gemm: GEMMu8s8)] = []
        if features.contains(.avx2) { kernels.append(("AVX2", clip_quantize_rows_u8_avx2, clip_gemm_u8s8_avx2)) }
        if features.isSuperset(of: [.avx512, .avx512VNNI]) {
            kernels.append(("AVX512-VNNI", clip_quantize_rows_u8_avx512, clip_gemm_u8s8_avx512vnni))
        }
        if features.isSuperset(of: [.avx512, .avx512VNNI, .amxInt8]) {
            kernels.append(("AMX", clip_quantize_rows_u8_avx512, clip_gemm_u8s8_amx))
        }
        return kernels
    }

    func testInt8GEMMMatchesTheScalarReferenceExactly() throws {
        let kernels = Self.int8KernelsHere
        try XCTSkipIf(kernels.isEmpty, "this CPU (features: \(CPUFeatures.detected)) has no int8 kernel")
        for kernel in kernels { checkInt8Kernel(kernel.name, kernel.quantize, kernel.gemm) }
    }

    func checkInt8Kernel(_ name: String, _ quantize: QuantizeRows, _ gemm: GEMMu8s8) {
        for (m, n, k) in Self.shapes {
            let k4 = (k + 3) / 4, lda = k4 * 4, panels = (n + 15) / 16
            var x = values(m * k, seed: 1, scale: 3)
            x[0] = 0  // includes a zero and (row 0 of a 1-row case) an all-small row
            let w = values(n * k, seed: 2, scale: 0.2)
            var packed = [Int8](repeating: 0x55, count: panels * k4 * 64)  // packing writes every byte
            var wscale = [Float](repeating: 0, count: n), comp = [Int32](repeating: 0, count: n)
            clip_pack_s8(w, n, k, &packed, &wscale, &comp)
            var a1 = [UInt8](repeating: 0, count: m * lda), a2 = a1
            var s1 = [Float](repeating: 0, count: m), s2 = s1
            clip_quantize_rows_u8(x, k, m, k, &a1, lda, &s1)
            quantize(x, k, m, k, &a2, lda, &s2)
            XCTAssertEqual(a1, a2, "\(name): quantized rows m\(m) k\(k)")
            XCTAssertEqual(s1, s2, "\(name): row scales m\(m) k\(k)")

            var expected = [Int32](repeating: -1, count: m * n), actual = expected
            clip_gemm_u8s8_reference(
                a1, lda, m, s1, packed, wscale, comp, k4, n, 0, panels, nil, 0, Self.plain, &expected, n)
            gemm(a1, lda, m, s1, packed, wscale, comp, k4, n, 0, panels, nil, 0, Self.plain, &actual, n)
            XCTAssertEqual(actual, expected, "\(name): s32 sums m\(m) n\(n) k\(k)")
            // The sums are Σ q_x·q_w: check one against the definition, not only against the other kernel.
            let qx = (0..<k).map { Int32(a1[$0]) - 128 }
            var direct: Int32 = 0
            for i in 0..<k { direct += qx[i] * Int32(packed[((i / 4) * 16) * 4 + i % 4]) }
            XCTAssertEqual(actual[0], direct, "row 0, channel 0 from the definition")

            // Dequantized output, stored and accumulated (the residual add), over a split panel range.
            var c1 = values(m * n, seed: 3, scale: 1), c2 = c1
            let half = panels / 2
            for (p0, p1) in [(0, half), (half, panels)] where p1 > p0 {
                clip_gemm_u8s8_reference(
                    a1, lda, m, s1, packed, wscale, comp, k4, n, p0, p1, &c1, n, Self.residual, nil, 0)
                gemm(a1, lda, m, s1, packed, wscale, comp, k4, n, p0, p1, &c2, n, Self.residual, nil, 0)
            }
            XCTAssertEqual(c1, c2, "\(name): dequantized accumulate m\(m) n\(n) k\(k)")
            // Bias + GELU / QuickGELU in the output pass: the vector exp/erf against libm's (≤ 2e-6 absolute
            // on outputs of magnitude ≤ ~10).
            let bias = values(n, seed: 7, scale: 0.5)
            for (activation, accumulate) in [
                (Int32(CLIP_ACTIVATION_GELU), Int32(0)), (Int32(CLIP_ACTIVATION_QUICK_GELU), 0),
                (Int32(CLIP_ACTIVATION_RELU), 2)
            ] {
                var g1 = values(m * n, seed: 12, scale: 1), g2 = g1
                bias.withUnsafeBufferPointer { b in
                    let epilogue = clip_epilogue(bias: b.baseAddress, activation: activation, accumulate: accumulate)
                    clip_gemm_u8s8_reference(
                        a1, lda, m, s1, packed, wscale, comp, k4, n, 0, panels, &g1, n, epilogue, nil, 0)
                    gemm(a1, lda, m, s1, packed, wscale, comp, k4, n, 0, panels, &g2, n, epilogue, nil, 0)
                }
                var worst: Float = 0
                for i in 0..<g1.count { worst = max(worst, abs(g1[i] - g2[i]) / max(1, abs(g1[i]))) }
                XCTAssertLessThanOrEqual(worst, 2e-6, "\(name): bias + activation \(activation) m\(m) n\(n) k\(k)")
            }
        }
    }

    func testBF16GEMMMatchesTheScalarReference() throws {
        try XCTSkipUnless(
            KernelTable.current.supports(.bf16), "this CPU (features: \(CPUFeatures.detected)) has no AVX512-BF16")
        for (m, n, k) in Self.shapes {
            let k2 = (k + 1) / 2, lda = k2 * 2, panels = (n + 15) / 16
            let x = values(m * k, seed: 4, scale: 2), w = values(n * k, seed: 5, scale: 0.3)
            var packed = [UInt16](repeating: 0, count: panels * k2 * 32)
            clip_pack_bf16(w, n, k, &packed)
            var a1 = [UInt16](repeating: 1, count: m * lda), a2 = a1
            clip_convert_rows_bf16(x, k, m, k, &a1, lda)
            clip_convert_rows_bf16_avx512(x, k, m, k, &a2, lda)
            XCTAssertEqual(a1, a2, "bf16 rows m\(m) k\(k)")
            for accumulate in [Int32(0), 1] {
                var c1 = values(m * n, seed: 6, scale: 1), c2 = c1
                let epilogue = clip_epilogue(bias: nil, activation: Int32(CLIP_ACTIVATION_NONE), accumulate: accumulate)
                clip_gemm_bf16_reference(a1, lda, m, packed, k2, n, 0, panels, &c1, n, epilogue)
                clip_gemm_bf16_avx512bf16(a1, lda, m, packed, k2, n, 0, panels, &c2, n, epilogue)
                // Same products, other summation order: |Δ| ≤ 1e-5 · Σ|x·w| (≈ K ulps), here ≤ 1e-5·K·2·0.3.
                let bound = 1e-5 * Float(k) * 0.6 + 1e-6
                var worst: Float = 0
                for i in 0..<c1.count { worst = max(worst, abs(c1[i] - c2[i])) }
                XCTAssertLessThanOrEqual(worst, bound, "bf16 m\(m) n\(n) k\(k) accumulate \(accumulate)")
            }
        }
    }

    func testFP32AVX512GEMMMatchesTheScalarReference() throws {
        try XCTSkipUnless(
            KernelTable(features: CPUFeatures.detected).fp32Name.contains("AVX-512"),
            "no AVX-512 on this CPU (features: \(CPUFeatures.detected))")
        for (m, n, k) in Self.shapes {
            let panels = (n + 15) / 16
            let x = values(m * k, seed: 8, scale: 2), w = values(n * k, seed: 9, scale: 0.3),
                bias = values(n, seed: 10, scale: 0.5)
            var packed = [Float](repeating: 0, count: panels * k * 16)
            for row in 0..<n { for kk in 0..<k { packed[(row / 16) * k * 16 + kk * 16 + row % 16] = w[row * k + kk] } }
            // The ResNet epilogues too: ReLU, and the residual added before the ReLU (accumulate 2).
            for (activation, accumulate) in [
                (Int32(CLIP_ACTIVATION_NONE), Int32(1)), (Int32(CLIP_ACTIVATION_GELU), 0),
                (Int32(CLIP_ACTIVATION_QUICK_GELU), 0),
                (Int32(CLIP_ACTIVATION_RELU), 0), (Int32(CLIP_ACTIVATION_RELU), 2),
                (Int32(CLIP_ACTIVATION_GELU_TANH), 0)
            ] {
                var c1 = values(m * n, seed: 11, scale: 1), c2 = c1
                bias.withUnsafeBufferPointer { b in
                    let epilogue = clip_epilogue(bias: b.baseAddress, activation: activation, accumulate: accumulate)
                    clip_gemm_f32_reference(x, k, m, packed, k, n, 0, panels, &c1, n, epilogue)
                    clip_gemm_f32_avx512(x, k, m, packed, k, n, 0, panels, &c2, n, epilogue)
                }
                // Same products summed in another order (FMA vs multiply-add), then vector exp/erf: ≤ 1e-5·K·0.6.
                let bound = 1e-5 * Float(k) * 0.6 + 2e-6
                var worst: Float = 0
                for i in 0..<c1.count { worst = max(worst, abs(c1[i] - c2[i])) }
                XCTAssertLessThanOrEqual(worst, bound, "fp32 m\(m) n\(n) k\(k) activation \(activation)")
            }
        }
    }

    func testBF16RoundingIsNearestEven() {
        XCTAssertEqual(clip_f32_to_bf16(1.0), 0x3F80)
        XCTAssertEqual(clip_f32_to_bf16(Float(bitPattern: 0x3F80_8000)), 0x3F80)  // tie, even below
        XCTAssertEqual(clip_f32_to_bf16(Float(bitPattern: 0x3F81_8000)), 0x3F82)  // tie, even above
        XCTAssertEqual(clip_f32_to_bf16(Float(bitPattern: 0x3F80_8001)), 0x3F81)
        XCTAssertTrue(clip_bf16_to_f32(clip_f32_to_bf16(.nan)).isNaN)
        XCTAssertEqual(clip_bf16_to_f32(clip_f32_to_bf16(-2.5)), -2.5)
    }

    func testInt8WeightQuantizationIsPerChannelSymmetric() {
        let n = 3, k = 5
        let w: [Float] = [1, -2, 0.5, 0, 0, 0, 0, 0, 0, 0, -0.01, 0.02, 0.03, 0.04, 0.127]
        // Packing writes every byte, padding included: start from garbage.
        var packed = [Int8](repeating: 0x55, count: 64 * 2), scales = [Float](repeating: 0, count: n),
            comp = [Int32](repeating: 0, count: n)
        clip_pack_s8(w, n, k, &packed, &scales, &comp)
        XCTAssertEqual(scales[0], 2.0 / 127, accuracy: 1e-9)
        XCTAssertEqual(scales[1], 0)  // an all-zero channel stays zero
        XCTAssertEqual(scales[2], 0.127 / 127, accuracy: 1e-9)
        func q(_ row: Int, _ i: Int) -> Int8 { packed[((i / 4) * 16 + row) * 4 + i % 4] }
        XCTAssertEqual([q(0, 0), q(0, 1), q(0, 2), q(0, 3), q(0, 4)], [64, -127, 32, 0, 0])  // 63.5 rounds to even 64
        XCTAssertEqual(comp[0], 128 * (64 - 127 + 32))
        XCTAssertEqual([q(2, 0), q(2, 4)], [-10, 127])
        // k 5…7 of every channel and channels 3…15 (the panel's padding) are zero.
        for row in 0..<16 {
            for i in 0..<8 where row >= n || i >= k { XCTAssertEqual(q(row, i), 0, "channel \(row), k \(i)") }
        }
    }

    // MARK: dispatch

    func testACPUWithoutTheInstructionsFallsBackToFP32WithANotice() {
        // AVX2 alone runs int8 (16-bit products) but not bf16; without AVX2 neither runs.
        let avx2Only = KernelTable(features: [.avx2, .f16c]), none = KernelTable(features: [])
        XCTAssertTrue(avx2Only.supports(.int8))
        XCTAssertTrue(avx2Only.kernelName(for: .int8).contains("AVX2"), avx2Only.kernelName(for: .int8))
        XCTAssertFalse(avx2Only.supports(.bf16))
        XCTAssertFalse(none.supports(.int8))
        for (requested, table) in [(Precision.int8, none), (.bf16, avx2Only)] {
            let packing = LinearPacking(requested, kernels: table)
            XCTAssertEqual(packing.precision, .fp32)
            XCTAssertNotNil(packing.notice)
            XCTAssertTrue(packing.notice!.contains("fp32"), packing.notice!)
        }
        XCTAssertEqual(Precision.auto.resolved(on: avx2Only).format, .int8)
        XCTAssertEqual(Precision.auto.resolved(on: none).format, .fp32)
        XCTAssertNil(Precision.auto.resolved(on: none).notice)
        let weights = PackedWeights(Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]), format: .int8, kernels: none)
        XCTAssertEqual(weights.format, .fp32)
        XCTAssertEqual(PackedWeights(Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]), format: .int8,
                                     kernels: avx2Only).format, .int8)
    }

    func testAutoPicksTheFastestFormatTheFeaturesAllow() {
        let everything = KernelTable(features: [.avx2, .avx512, .avx512VNNI, .avx512BF16])
        XCTAssertEqual(Precision.auto.resolved(on: everything).format, .int8)
        XCTAssertTrue(everything.kernelName(for: .int8).contains("VNNI"), everything.kernelName(for: .int8))
        XCTAssertEqual(Precision.auto.resolved(on: KernelTable(features: [.avx512, .avx512BF16])).format, .bf16)
        // VNNI without the AVX-512 base state (an OS that does not save ZMM registers) runs the AVX2 int8 kernel.
        let noZMM = KernelTable(features: [.avx2, .avx512VNNI])
        XCTAssertTrue(noZMM.kernelName(for: .int8).contains("AVX2"), noZMM.kernelName(for: .int8))
        XCTAssertEqual(Precision.auto.resolved(on: .reference).format, .int8)
    }

    func testFeatureMaskOnlyRemoves() {
        let all: CPUFeatures = [.avx2, .f16c, .avx512, .avx512VNNI, .avx512BF16]
        XCTAssertEqual(all.masked(by: "avx2, F16C"), [.avx2, .f16c])
        XCTAssertEqual(all.masked(by: nil), all)
        XCTAssertEqual(CPUFeatures([.avx2]).masked(by: "avx2,avx512vnni"), [.avx2])
        XCTAssertEqual(all.masked(by: ""), [])
        XCTAssertTrue(CPUFeatures.hardware.isSuperset(of: CPUFeatures.detected))
        XCTAssertEqual(
            CPUFeatures.detected,
            CPUFeatures.hardware.masked(by: ProcessInfo.processInfo.environment["CLIP_CPU_FEATURES"]))
    }

    /// AMX is reported only when the CPU has it, the OS saves its state and Linux granted this process the tile
    /// data; then one tile product must equal plain C's. A mask removes it like any feature.
    func testAMXIsReportedOnlyWhereItRuns() throws {
        XCTAssertEqual(CPUFeatures([.avx2, .amxInt8, .amxBF16]).masked(by: "avx2,f16c"), [.avx2])
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        if CPUFeatures.hardware.contains(.amxInt8) {
            XCTAssertTrue(cpuinfo.isEmpty || cpuinfo.contains("amx_int8"), "AMX int8 reported, cpuinfo disagrees")
        }
        guard CPUFeatures.hardware.contains(.amxInt8) else {
            XCTAssertEqual(clip_amx_int8_probe(), -1)
            throw XCTSkip("no AMX int8 available to this process (features: \(CPUFeatures.hardware))")
        }
        XCTAssertEqual(clip_amx_int8_probe(), 0, "an AMX int8 tile product differs from plain C")
    }
}
