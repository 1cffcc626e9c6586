import CLIP
import CLIPBundledModel
import CLIPLab
import CLIPTestSupport
import CLIPTraining
import Foundation
import XCTest

/// The bundled synthetic-shapes model (the files `clip` embeds, from CLIPBundledModel) and held-out pictures
/// drawn for it.
enum LabFixtures {
    static func model() throws -> LabModel {
        try LabModel(LoadedModel.load(BundledModel.folder(named: BundledModel.name)!))
    }

    /// `count` held-out synthetic pictures with their labels, drawn with `seed`, in a temporary folder that
    /// is removed when `test` ends.
    static func heldOut(count: Int, seed: UInt64, for test: XCTestCase) throws -> URL {
        let dir = try temporaryDirectory(test)
        try SyntheticDataset.write(to: dir, trainCount: 1, heldOutCount: count, seed: seed, trainingVariety: false)
        return dir
    }

    static func classifier(_ model: LabModel, data: URL) throws -> ZeroShotClassifier {
        let loaded = model.loaded
        return try ZeroShotClassifier(
            text: loaded.model.requireText(), tokenizer: loaded.tokenizer(), labels: SyntheticScene.allLabels,
            templates: PromptTemplates.named(data.appendingPathComponent("templates.txt").path),
            logitScale: loaded.model.logitScale, logitBias: loaded.model.logitBias)
    }

    static func context(
        _ model: LabModel, images: Int, seed: UInt64 = 1, labels: Bool = true, for test: XCTestCase
    ) throws -> LabContext {
        let data = try heldOut(count: images, seed: 500 + seed, for: test)
        let (inputs, _) = try LabInputs.load([data.appendingPathComponent("heldout").path], model: model)
        let report = try LabReport(folder: data.appendingPathComponent("out"))
        return LabContext(
            model: model, images: inputs, classifier: labels ? try classifier(model, data: data) : nil, seed: seed,
            report: report,
            modelName: "synthetic-shapes")
    }

    /// The rows of a CSV the lab wrote (header dropped), split on commas (the lab's fields hold none here).
    static func csv(_ context: LabContext, _ name: String) throws -> [[String]] {
        let text = try String(contentsOf: context.report.folder.appendingPathComponent(name + ".csv"), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
    }
}

/// Cosine similarity, as the lab reports it.
func cosine(_ a: [Float], _ b: [Float]) -> Double {
    var dot = 0.0, na = 0.0, nb = 0.0
    for (x, y) in zip(a, b) {
        dot += Double(x) * Double(y)
        na += Double(x) * Double(x)
        nb += Double(y) * Double(y)
    }
    return dot / (na * nb).squareRoot()
}
