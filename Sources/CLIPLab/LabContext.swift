import CLIP
import Foundation

/// What every experiment gets: the model, the pictures, zero-shot labels when given, the seed, and where
/// to write.
public struct LabContext {
    public let model: LabModel
    public let images: [LabImage]
    /// Zero-shot labels (`--labels`, `--labels-file`, or a labelled folder's classes).
    public let classifier: ZeroShotClassifier?
    public let seed: UInt64
    public let report: LabReport
    /// How the model was named, for summaries.
    public let modelName: String

    public init(
        model: LabModel, images: [LabImage], classifier: ZeroShotClassifier?, seed: UInt64, report: LabReport,
        modelName: String
    ) {
        self.model = model
        self.images = images
        self.classifier = classifier
        self.seed = seed
        self.report = report
        self.modelName = modelName
    }

    /// A seed for one image's perturbations, the same whatever else runs.
    func seed(image: Int, _ salt: UInt64 = 0) -> UInt64 {
        seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(image) &* 1_000_003 &+ salt
    }

    /// Top-1 label index per embedding.
    func predictions(_ embeddings: [[Float]]) -> [Int]? {
        guard let classifier, let d = embeddings.first?.count else { return nil }
        return classifier.top(1, Tensor(shape: [embeddings.count, d], values: embeddings.flatMap { $0 })).map {
            $0[0].index
        }
    }

    /// The label an image's predictions are scored against: its folder's, or else its clean prediction.
    func truths(clean: [[Float]]) -> (labels: [Int], fromFolders: Bool)? {
        guard let classifier, let cleanPredictions = predictions(clean) else { return nil }
        let folder = images.map { $0.label.flatMap { classifier.labels.firstIndex(of: $0) } }
        if folder.allSatisfy({ $0 != nil }) { return (folder.map { $0! }, true) }
        return (cleanPredictions, false)
    }
}

func format(_ v: Double, _ digits: Int = 4) -> String { String(format: "%.\(digits)f", v) }
