import CLIP
import Foundation

/// A model as the lab uses it: its image tower and its own preprocessing, embedding images that are
/// already at the input size (prepared, then perturbed) in batches made on demand, so a run of thousands of
/// perturbed copies never holds more than one batch of them.
public struct LabModel: @unchecked Sendable {
    public let loaded: LoadedModel
    public let vision: any ImageTower
    public let preprocessor: ImagePreprocessor
    public var batchSize = 32

    public init(_ loaded: LoadedModel) throws {
        self.loaded = loaded
        vision = try loaded.model.requireVision()
        preprocessor = try loaded.imageEmbedder().preprocessor
    }

    public var inputSize: Int { preprocessor.config.size }

    /// L2-normalised embeddings of `count` images at the input size, `image(i)` making the i-th when its
    /// batch comes; `normalizer` (default: the model's preprocessing) turns pixels into the tensor.
    public func embed(
        count: Int, normalizer: ImagePreprocessor? = nil, observer: ((Range<Int>) -> BlockObserver)? = nil,
        _ image: (Int) throws -> PixelImage
    ) throws -> [[Float]] {
        let pre = normalizer ?? preprocessor, s = inputSize, plane = 3 * s * s
        var out: [[Float]] = []
        out.reserveCapacity(count)
        for start in stride(from: 0, to: count, by: batchSize) {
            let range = start..<min(count, start + batchSize)
            let pixels = Tensor(uninitialized: [range.count, 3, s, s])
            for (k, i) in range.enumerated() { pre.writeNormalized(try image(i), into: pixels.data + k * plane) }
            let e = try vision.embed(pixels: pixels, normalize: true, observer: observer?(range))
            out += (0..<range.count).map { e.row($0) }
        }
        return out
    }

    /// Embeddings of decoded images through `preprocessor`'s whole pipeline (resize, crop, normalise).
    public func embed(originals: [PixelImage], with preprocessor: ImagePreprocessor) throws -> [[Float]] {
        let variant = ImagePreprocessor(
            config: {
                var c = preprocessor.config
                c.size = inputSize
                return c
            }())
        return try embed(count: originals.count, normalizer: variant) { variant.prepare(originals[$0]) }
    }
}

/// The pictures an experiment runs on: decoded, prepared at the model's input size with its own
/// preprocessing, and labelled when their folder says (class subfolders or a labels.tsv).
public struct LabImage: @unchecked Sendable {
    public let name: String
    public let path: String
    public let original: PixelImage
    public let prepared: PixelImage
    public let label: String?
}

public enum LabInputs {
    /// The images under `paths` (files and folders; a single labelled folder gives labels), at most `limit`.
    public static func load(_ paths: [String], model: LabModel, limit: Int? = nil) throws -> (
        images: [LabImage], classes: [String]?
    ) {
        var files: [String] = [], labels: [String?] = [], classes: [String]?
        // A labels.tsv is read strictly (its errors name the line); class subfolders only when there are some.
        let tsv =
            paths.count == 1
            && FileManager.default.fileExists(
                atPath: URL(fileURLWithPath: paths[0]).appendingPathComponent("labels.tsv").path)
        if paths.count == 1, let set = tsv ? try LabeledImages.load(paths[0]) : try? LabeledImages.load(paths[0]) {
            files = set.files
            labels = set.labels.map { set.classes[$0] }
            classes = set.classes
        } else {
            files = try ImageFiles.collect(paths)
            labels = files.map { _ in nil }
        }
        if let limit, files.count > limit {
            // Evenly across the list, so a folder sorted by class keeps every class.
            let picks = (0..<limit).map { $0 * files.count / limit }
            files = picks.map { files[$0] }
            labels = picks.map { labels[$0] }
        }
        guard !files.isEmpty else {
            throw CLIPError.invalidArgument("no images under \(paths.joined(separator: ", "))")
        }
        var used: Set<String> = []
        let images = try files.enumerated().map { i, path -> LabImage in
            let original = try ImageDecoder.decode(file: path)
            var name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            if used.contains(name) { name = String(format: "%03d-", i) + name }
            used.insert(name)
            return LabImage(
                name: name, path: path, original: original, prepared: model.preprocessor.prepare(original),
                label: labels[i])
        }
        return (images, classes)
    }
}
