import CLIP
import CLIPTraining
import XCTest

/// Loss and every parameter gradient against PyTorch (transformers' CLIPModel, same weights and batch):
/// loss within 1e-5, each gradient within 1e-4 of its tensor's largest magnitude.
final class GradientParityTests: XCTestCase {
    func check(_ kind: LossKind) throws {
        let fixture = try TrainingFixture()
        let model = try fixture.model()
        if kind == .siglip {
            model.logitScale = log(10)
            model.logitBias = -10
        }
        let result = model.lossAndGradients(pixels: fixture.pixels, tokens: fixture.tokens, loss: kind)
        let expectedLoss = try fixture.expected.floats("\(kind.rawValue).loss")[0]
        XCTAssertEqual(result.loss, expectedLoss, accuracy: 1e-5, "\(kind) loss")
        var checked = 0
        for slot in model.layout.slots {
            let name = "\(kind.rawValue).grad.\(slot.name)"
            guard fixture.expected.entries[name] != nil else {
                XCTAssertEqual(slot.name, "logit_bias", "no reference gradient for \(slot.name)")
                continue
            }
            let reference = try fixture.expected.floats(name)
            XCTAssertEqual(reference.count, slot.count, slot.name)
            let ours = model.gradients.data + slot.offset
            if slot.name.hasSuffix("k_proj.bias") {
                // Exactly zero in exact arithmetic (softmax ignores a constant added to a row of scores),
                // so both sides hold only rounding noise; a relative comparison of noise is meaningless.
                let largest = (0..<slot.count).map { max(abs(ours[$0]), abs(reference[$0])) }.max() ?? 0
                XCTAssertLessThanOrEqual(largest, 1e-6, "\(kind) gradient of \(slot.name) should vanish")
            } else {
                let (error, scale) = relativeError(ours, reference)
                XCTAssertLessThanOrEqual(
                    error, 1e-4, "\(kind) gradient of \(slot.name): relative error \(error) (max |g| \(scale))")
            }
            checked += 1
        }
        XCTAssertEqual(checked, model.layout.slots.count - (kind == .clip ? 1 : 0))
    }

    func testInfoNCEGradientsMatchPyTorch() throws { try check(.clip) }

    func testSigLIPGradientsMatchPyTorch() throws { try check(.siglip) }

    func testEmbeddingsMatchPyTorch() throws {
        let fixture = try TrainingFixture()
        let model = try fixture.model()
        _ = model.lossAndGradients(pixels: fixture.pixels, tokens: fixture.tokens, loss: .clip)
        let (image, text) = model.lastEmbeddings
        for (name, ours) in [("image_embeds", image), ("text_embeds", text)] {
            let reference = try fixture.expected.floats("clip.\(name)")
            let diff = zip(ours, reference.scalars).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertEqual(ours.count, reference.count)
            XCTAssertLessThanOrEqual(diff, 1e-5, "\(name) max abs diff")
        }
    }
}
