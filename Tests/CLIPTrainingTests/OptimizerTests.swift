import CLIP
import CLIPTraining
import XCTest

final class OptimizerTests: XCTestCase {
    /// Two steps of open_clip's loop (clip_grad_norm_ 1.0, AdamW lr 1e-3, betas 0.9/0.98, eps 1e-6, decay 0.2
    /// on matrices, logit_scale clamp) against PyTorch's parameters afterwards.
    func testTwoAdamWStepsMatchPyTorch() throws {
        let fixture = try TrainingFixture()
        let model = try fixture.model()
        let optimizer = AdamW(layout: model.layout)
        for step in 1...2 {
            let result = model.lossAndGradients(pixels: fixture.pixels, tokens: fixture.tokens, loss: .clip)
            XCTAssertEqual(
                result.loss, try fixture.expected.floats("adamw.loss\(step)")[0], accuracy: 1e-5, "loss at step \(step)"
            )
            optimizer.update(model.parameters, gradients: model.gradients, lr: 1e-3)
            model.clampLogitScale()
        }
        for slot in model.layout.slots where slot.name != "logit_bias" {
            let reference = try fixture.expected.floats("adamw.param.\(slot.name)")
            let ours = model.parameters.data + slot.offset
            let diff = (0..<slot.count).map { abs(ours[$0] - reference[$0]) }.max() ?? 0
            if slot.name.hasSuffix("k_proj.bias") {
                // Its true gradient is zero; Adam turns rounding noise into ±lr steps, whose signs differ.
                XCTAssertLessThanOrEqual(diff, 4e-3 + 1e-6, slot.name)
            } else {
                XCTAssertLessThanOrEqual(diff, 1e-5, "\(slot.name) after two steps: max abs diff \(diff)")
            }
        }
    }

    func testScheduleWarmsUpThenDecaysToZero() {
        let schedule = LearningRateSchedule(baseRate: 1e-3, warmupSteps: 10, totalSteps: 110)
        XCTAssertEqual(schedule.rate(at: 0), 1e-4, accuracy: 1e-9)
        XCTAssertEqual(schedule.rate(at: 9), 1e-3, accuracy: 1e-9)
        XCTAssertEqual(schedule.rate(at: 10), 1e-3, accuracy: 1e-9)
        XCTAssertEqual(schedule.rate(at: 60), 5e-4, accuracy: 1e-8)
        XCTAssertEqual(schedule.rate(at: 110), 0, accuracy: 1e-9)
        XCTAssertGreaterThan(schedule.rate(at: 30), schedule.rate(at: 31))
    }

    func testFrozenParametersDoNotMove() throws {
        let fixture = try TrainingFixture()
        let model = try fixture.model()
        let before = Array(model.parameters.buffer)
        let optimizer = AdamW(layout: model.layout) { $0.isImageTower }
        _ = model.lossAndGradients(pixels: fixture.pixels, tokens: fixture.tokens, loss: .clip, trainImageTower: false)
        optimizer.update(model.parameters, gradients: model.gradients, lr: 1e-3)
        for slot in model.layout.slots {
            let moved = (0..<slot.count).contains {
                model.parameters.data[slot.offset + $0] != before[slot.offset + $0]
            }
            let locked = slot.name.hasPrefix("vision_model.") || slot.name == "visual_projection.weight"
            XCTAssertEqual(slot.isImageTower, locked, slot.name)
            if locked { XCTAssertFalse(moved, "\(slot.name) is locked") }
            if slot.name.hasPrefix("text_model.encoder") && slot.name.hasSuffix("fc1.weight") {
                XCTAssertTrue(moved, "\(slot.name) trains")
            }
        }
    }
}
