import CLIP
import CLIPTraining
import Foundation
import XCTest

/// The tiny two-tower model, batch and PyTorch results of tools/make_training_fixtures.py.
struct TrainingFixture {
    let folder: URL
    let config: CLIPConfig
    let pixels: Tensor
    let tokens: [Int32]
    let expected: SafeTensorsFile

    init() throws {
        folder = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/training")
        config = try CLIPConfig(huggingFaceConfig: Data(contentsOf: folder.appendingPathComponent("config.json")))
        let batch = try SafeTensorsFile(path: folder.appendingPathComponent("batch.safetensors").path)
        pixels = try batch.floats("pixel_values")
        tokens = try batch.floats("input_ids").scalars.map { Int32($0) }
        expected = try SafeTensorsFile(path: folder.appendingPathComponent("expected.safetensors").path)
    }

    func model() throws -> TrainableCLIP {
        let model = try TrainableCLIP(config: config)
        try model.loadWeights(from: folder.appendingPathComponent("model.safetensors"))
        return model
    }
}

/// Max |ours − reference| relative to max |reference| (or absolute when the reference is all zeros).
func relativeError(_ ours: UnsafePointer<Float>, _ reference: Tensor) -> (error: Float, scale: Float) {
    var diff: Float = 0, scale: Float = 0
    for i in 0..<reference.count {
        diff = max(diff, abs(ours[i] - reference[i]))
        scale = max(scale, abs(reference[i]))
    }
    return (scale > 0 ? diff / scale : diff, scale)
}
