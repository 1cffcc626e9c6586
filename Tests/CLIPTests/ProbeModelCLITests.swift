import CLIP
import CLIPTestSupport
import Foundation
import XCTest

/// A probe records the model it was trained with: `clip probe predict` uses it without --model (offline:
/// nothing is downloaded), and refuses a model whose embeddings have another dimension.
final class ProbeModelCLITests: XCTestCase {
    func runClip(_ arguments: [String], environment: [String: String]) throws
        -> (status: Int32, out: String, err: String)
    {
        try CLIProcess.run(arguments, environment: environment)
    }

    func testPredictUsesTheProbesModelAndRefusesAnotherDimension() throws {
        let dir = try temporaryDirectory(self)
        let env = ["HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": dir.appendingPathComponent("empty-cache").path]
        let tasks = Fixtures.url("tasks").path, probe = dir.appendingPathComponent("p.safetensors").path
        let trained = try runClip(
            ["probe", "train", "--model", "synthetic-shapes", "--data", tasks, "-o", probe], environment: env)
        XCTAssertEqual(trained.status, 0, trained.err)
        let saved = try LinearProbe.load(from: URL(fileURLWithPath: probe))
        XCTAssertEqual(saved.modelSpec, ModelSpec(model: "synthetic-shapes"))
        XCTAssertTrue(saved.modelID?.contains("synthetic-shapes") ?? false, "\(saved.modelID ?? "no model id")")
        XCTAssertEqual(saved.dimension, 64)

        let predicted = try runClip(
            ["probe", "predict", "--probe", probe, tasks + "/stripes", "--json"], environment: env)
        XCTAssertEqual(predicted.status, 0, predicted.err)
        let labels = (try JSONSerialization.jsonObject(with: Data(predicted.out.utf8)) as! [[String: Any]]).map {
            $0["label"] as! String
        }
        XCTAssertEqual(labels.count, 12)
        XCTAssertGreaterThanOrEqual(labels.filter { $0 == "stripes" }.count, 10, "\(labels)")

        let other = Fixtures.url("engine/hf_gelu_p14_fp16").path
        let refused = try runClip(
            ["probe", "predict", "--probe", probe, "--model", other, tasks + "/stripes"], environment: env)
        XCTAssertEqual(refused.status, 1, refused.err)
        XCTAssertTrue(
            refused.err.contains(
                "\(probe) was trained on 64-d embeddings of synthetic-shapes; \(other) gives 24-d ones"), refused.err)
        XCTAssertEqual(refused.out, "")

        // A probe without a model (written before probes recorded it): ViT-B-32, as before, which is not here offline.
        try LinearProbe(classes: saved.classes, weights: saved.weights, bias: saved.bias).save(
            to: URL(fileURLWithPath: probe))
        let old = try runClip(["probe", "predict", "--probe", probe, tasks + "/stripes"], environment: env)
        XCTAssertEqual(old.status, 1, old.err)
        XCTAssertTrue(old.err.contains("clip models pull ViT-B-32"), old.err)
    }
}
