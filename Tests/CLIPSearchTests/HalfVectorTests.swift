import CLIP
import CSearchKernels
import XCTest

/// The HNSW graph's half-precision kernels: the AVX2+F16C versions and the portable ones that a CPU without
/// them runs (chosen at run time) must agree.
final class HalfVectorTests: XCTestCase {
    func testPortableKernelsMatchTheF16CKernels() throws {
        try XCTSkipUnless(
            CPUFeatures.detected.isSuperset(of: [.avx2, .f16c]),
            "no F16C on this CPU (features: \(CPUFeatures.detected))")
        for d in [1, 7, 16, 33, 512] {
            let q = (0..<d).map { Float(($0 * 37) % 23) / 23 - 0.5 },
                v = (0..<d).map { Float(($0 * 11) % 17) / 17 - 0.4 }
            var fastHalf = [UInt16](repeating: 0, count: d), portableHalf = fastHalf
            clip_f32_to_f16(v, &fastHalf, d)
            clip_f32_to_f16_portable(v, &portableHalf, d)
            XCTAssertEqual(fastHalf, portableHalf, "rounding to half, d \(d)")
            var fastWide = [Float](repeating: 0, count: d), portableWide = fastWide
            clip_f16_to_f32(fastHalf, &fastWide, d)
            clip_f16_to_f32_portable(fastHalf, &portableWide, d)
            XCTAssertEqual(fastWide, portableWide, "widening, d \(d)")
            let fast = clip_dot_f32_f16(q, fastHalf, d), portable = clip_dot_f32_f16_portable(q, fastHalf, d)
            XCTAssertEqual(fast, portable, accuracy: 1e-5 * Float(d), "dot, d \(d)")
        }
    }
}
