import CLIP
import Foundation
import XCTest

/// Whole models at bf16 and int8 against the fp32 reference outputs of the tiny engine fixtures. Runs on any
/// CPU: where this one lacks AVX512-VNNI/BF16 (or CLIP_CPU_FEATURES masks them) the models are packed for
/// the scalar reference kernels instead, so the numerics are checked either way.
///
/// Tolerances (per embedding, L2-normalised, widths 48–64, 2 layers): cosine to the fp32 reference
/// ≥ 0.999 for bf16 and ≥ 0.995 for int8; max abs diff ≤ 0.01 (bf16) and ≤ 0.03 (int8).
final class ReducedPrecisionModelTests: XCTestCase {
    static let cases = ["hf_quickgelu_p32", "hf_gelu_p14_fp16", "openclip_gelu_p16"]

    static func kernels(for precision: Precision) -> KernelTable {
        KernelTable.current.supports(precision) ? .current : .reference
    }

    func cosines(_ a: Tensor, _ b: Tensor) -> [Float] {
        let d = a.shape[1]
        return (0..<a.shape[0]).map { i in
            var dot: Float = 0, na: Float = 0, nb: Float = 0
            for k in 0..<d {
                dot += a[i * d + k] * b[i * d + k]
                na += a[i * d + k] * a[i * d + k]
                nb += b[i * d + k] * b[i * d + k]
            }
            return dot / (na * nb).squareRoot()
        }
    }

    func testTinyModelsAtBF16AndInt8StayCloseToFP32() throws {
        for name in Self.cases {
            let dir = Fixtures.url("engine/\(name)")
            let pixels = try Fixtures.floats("engine/\(name)/pixels.npy")
            let tokens = try Fixtures.tokens("engine/\(name)/tokens.npy")
            let expectedImages = try Fixtures.floats("engine/\(name)/image_embeds.npy")
            let expectedTexts = try Fixtures.floats("engine/\(name)/text_embeds.npy")
            for (precision, minCosine, maxDiff) in [(Precision.bf16, Float(0.999), Float(0.01)), (.int8, 0.995, 0.03)] {
                let packing = LinearPacking(precision, kernels: Self.kernels(for: precision))
                XCTAssertEqual(packing.precision, precision)
                let model = try CLIPModel.load(from: dir, packing: packing)
                XCTAssertEqual(model.precision, precision)
                let images = try model.requireVision().embed(pixels: pixels)
                let texts = try model.requireText().embed(tokens: tokens)
                for (label, got, want) in [("image", images, expectedImages), ("text", texts, expectedTexts)] {
                    let worst = cosines(got, want).min()!
                    XCTAssertGreaterThanOrEqual(worst, minCosine, "\(name) \(precision) \(label): worst cosine \(worst)")
                    checkTensor(got, want, tolerance: maxDiff, "\(name) \(precision) \(label)")
                }
            }
        }
    }

    func testReducedPrecisionChangesTheNumbers() throws {
        // Guards against a packing that silently stays fp32: the outputs must differ from the reference.
        let dir = Fixtures.url("engine/hf_quickgelu_p32")
        let pixels = try Fixtures.floats("engine/hf_quickgelu_p32/pixels.npy")
        let fp32 = try CLIPModel.load(from: dir, towers: .vision).requireVision().embed(pixels: pixels)
        for precision in [Precision.bf16, .int8] {
            let model = try CLIPModel.load(from: dir, towers: .vision, packing: LinearPacking(precision, kernels: Self.kernels(for: precision)))
            let got = try model.requireVision().embed(pixels: pixels)
            var maxDiff: Float = 0
            for i in 0..<got.count { maxDiff = max(maxDiff, abs(got[i] - fp32[i])) }
            XCTAssertGreaterThan(maxDiff, 1e-6, "\(precision) gave fp32's exact numbers")
        }
    }

    func testFastKernelsGiveTheReferenceKernelsNumbers() throws {
        // The same model packed for the AVX-512 kernels and for the scalar ones. The int8 sums are exact, but
        // the output pass's GELU (vector exp/erf, ≤ 2e-7 from libm's) can move a value across a rounding
        // boundary of the next layer's int8 or bf16 conversion, one step of that layer's scale: the
        // embeddings agree to ≤ 5e-3 (cosine ≥ 0.9999), an order tighter than either is to fp32.
        let dir = Fixtures.url("engine/openclip_gelu_p16")
        let pixels = try Fixtures.floats("engine/openclip_gelu_p16/pixels.npy")
        for precision in [Precision.int8, .bf16] {
            try XCTSkipUnless(KernelTable.current.supports(precision), "no \(precision) kernel on this CPU (\(CPUFeatures.detected))")
            let fast = try CLIPModel.load(from: dir, towers: .vision, packing: LinearPacking(precision)).requireVision().embed(pixels: pixels)
            let slow = try CLIPModel.load(from: dir, towers: .vision, packing: LinearPacking(precision, kernels: .reference))
                .requireVision().embed(pixels: pixels)
            checkTensor(fast, slow, tolerance: 5e-3, "\(precision) fast vs reference kernels")
            let worst = cosines(fast, slow).min()!
            XCTAssertGreaterThanOrEqual(worst, 0.9999, "\(precision) fast vs reference kernels: worst cosine \(worst)")
        }
    }

    func testSmoothingFoldLeavesTheFP32ProductUnchanged() {
        // LN(x)·Wᵀ with γ, β, W against γ/s, β/s, W·diag(s): equal up to fp32 rounding.
        let k = 24, n = 10
        let gamma = Tensor(shape: [k], values: (0..<k).map { $0 % 5 == 0 ? 50 : 1 + Float($0) * 0.01 })
        let beta = Tensor(shape: [k], values: (0..<k).map { Float($0 % 3) * 0.1 - 0.1 })
        let weight = Tensor(shape: [n, k], values: (0..<(n * k)).map { Float(($0 * 37) % 19) / 19 - 0.5 })
        let norm = ActivationSmoothing.fold(gamma: gamma, beta: beta, into: weight), scaled = norm.weight
        let x = (0..<k).map { Float(($0 * 11) % 7) - 3 }
        func product(_ g: Tensor, _ b: Tensor, _ w: Tensor) -> [Float] {
            let mean = x.reduce(0, +) / Float(k)
            let variance = x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(k)
            let h = (0..<k).map { (x[$0] - mean) / (variance + 1e-5).squareRoot() * g[$0] + b[$0] }
            return (0..<n).map { i in (0..<k).reduce(Float(0)) { $0 + h[$1] * w[i * k + $1] } }
        }
        let before = product(gamma, beta, weight), after = product(norm.gamma, norm.beta, scaled)
        for i in 0..<n { XCTAssertEqual(after[i], before[i], accuracy: 1e-4 * max(1, abs(before[i]))) }
        // The outlier channels' activation range shrinks: γ 50 → about √(50·4·max|W|) / … < 50.
        XCTAssertLessThan(norm.gamma[0], 50 / 2)
    }

    func testSmoothingRescuesInt8OnOutlierChannels() throws {
        // The tiny HF model with CLIP's outlier pattern: 2 channels of every ln_1/ln_2 with γ × 50 (β × 10).
        let dir = try temporaryDirectory(self)
        let source = Fixtures.url("engine/hf_quickgelu_p32")
        let file = try SafeTensorsFile(path: source.appendingPathComponent("model.safetensors").path)
        var tensors: [(name: String, tensor: Tensor)] = []
        for name in file.entries.keys.sorted() {
            let t = try file.floats(name)
            let copy = Tensor(shape: t.shape, values: t.scalars)
            if name.contains("layer_norm1") || name.contains("layer_norm2") {
                for channel in [3, 17] where channel < copy.count { copy[channel] *= name.hasSuffix("weight") ? 50 : 10 }
                if name.hasSuffix("bias") { for channel in [3, 17] where channel < copy.count { copy[channel] += 0.5 } }
            }
            tensors.append((name, copy))
        }
        try SafeTensorsWriter.write(tensors, to: dir.appendingPathComponent("model.safetensors"))
        try FileManager.default.copyItem(at: source.appendingPathComponent("config.json"), to: dir.appendingPathComponent("config.json"))
        let pixels = try Fixtures.floats("engine/hf_quickgelu_p32/pixels.npy")
        let tokens = try Fixtures.tokens("engine/hf_quickgelu_p32/tokens.npy")
        let kernels = Self.kernels(for: .int8)
        let fp32 = try CLIPModel.load(from: dir)
        let smoothed = try CLIPModel.load(from: dir, packing: LinearPacking(.int8, kernels: kernels))
        let plain = try CLIPModel.load(from: dir, packing: LinearPacking(.int8, kernels: kernels, smoothing: false))
        var worst: [String: Float] = [:]
        for (label, model) in [("smoothed", smoothed), ("plain", plain)] {
            let images = cosines(try model.requireVision().embed(pixels: pixels), try fp32.requireVision().embed(pixels: pixels))
            let texts = cosines(try model.requireText().embed(tokens: tokens), try fp32.requireText().embed(tokens: tokens))
            worst[label] = (images + texts).min()!
        }
        XCTAssertGreaterThanOrEqual(worst["smoothed"]!, 0.99, "int8 with smoothing on outlier channels: \(worst)")
        XCTAssertGreaterThan(worst["smoothed"]!, worst["plain"]!, "smoothing should help on outlier channels: \(worst)")
    }
}
