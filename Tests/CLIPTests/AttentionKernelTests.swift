import CKernels
import CLIP
import Foundation
import XCTest

/// The AVX-512 attention kernel (four query rows at a time where heads have ≤ 64 dimensions, one row
/// otherwise and for the last rows) against attention written out in Double: head sizes 16–128, token
/// counts around every multiple of 4 and 16 (1–9, 17, 50, 77, 196, 197), causal and not, several heads and
/// images, item ranges split as threads split them. Tolerance 2e-5 (fp32 accumulation over ≤ 197 terms).
final class AttentionKernelTests: XCTestCase {
    func reference(_ qkv: [Float], _ bias: [Float], batch: Int, tokens: Int, width: Int, heads: Int, causal: Bool)
        -> [Float]
    {
        let d = width / heads, scale = 1 / Double(d).squareRoot()
        var out = [Float](repeating: 0, count: batch * tokens * width)
        for b in 0..<batch {
            for h in 0..<heads {
                func at(_ t: Int, _ part: Int, _ i: Int) -> Double {
                    Double(qkv[(b * tokens + t) * 3 * width + part * width + h * d + i])
                        + Double(bias[part * width + h * d + i])
                }
                for row in 0..<tokens {
                    let n = causal ? row + 1 : tokens
                    let scores = (0..<n).map { j in (0..<d).reduce(0.0) { $0 + at(row, 0, $1) * scale * at(j, 1, $1) } }
                    let top = scores.max()!
                    let weights = scores.map { exp($0 - top) }, total = weights.reduce(0, +)
                    for i in 0..<d {
                        out[(b * tokens + row) * width + h * d + i] = Float(
                            (0..<n).reduce(0.0) { $0 + weights[$1] * at($1, 2, i) } / total)
                    }
                }
            }
        }
        return out
    }

    func testAVX512AttentionMatchesTheDefinition() throws {
        try XCTSkipUnless(
            CPUFeatures.detected.isSuperset(of: [.avx2, .avx512]),
            "no AVX-512 on this CPU (features: \(CPUFeatures.detected))")
        var generator = SystemRandomNumberGenerator()
        var checked = 0
        for d in [16, 32, 48, 64, 128] {
            for tokens in [1, 2, 3, 4, 5, 7, 8, 9, 17, 50, 77, 196, 197] where d <= 64 || tokens <= 77 {
                for causal in [false, true] {
                    let heads = 2, batch = 2, width = heads * d
                    let qkv = (0..<(batch * tokens * 3 * width)).map { _ in Float.random(in: -2...2, using: &generator)
                    }
                    let bias = (0..<(3 * width)).map { _ in Float.random(in: -0.5...0.5, using: &generator) }
                    let expected = reference(
                        qkv, bias, batch: batch, tokens: tokens, width: width, heads: heads, causal: causal)
                    var out = [Float](repeating: .nan, count: expected.count)
                    let scratch = [Float](repeating: 0, count: clip_attention_scratch_floats(tokens, d))
                    // Items split as two threads would take them.
                    for (start, end) in [(0, 1), (1, batch * heads)] {
                        var s = scratch
                        clip_attention_avx512(qkv, bias, &out, tokens, width, heads, causal ? 1 : 0, start, end, &s)
                    }
                    let worst = zip(out, expected).map { abs($0 - $1) }.max() ?? .nan
                    XCTAssertLessThanOrEqual(worst, 2e-5, "d \(d), \(tokens) tokens, causal \(causal)")
                    checked += 1
                }
            }
        }
        XCTAssertEqual(checked, 2 * (13 * 4 + 11))
    }
}
