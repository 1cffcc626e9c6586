import CLIP
import Foundation

/// `clip lab preprocess`: each image through the model's exact preprocessing and through alternatives a
/// different pipeline might use; the cosine of each variant's embedding to the exact one, as bars.
public enum PreprocessExperiment {
    /// The variants of `base` (the model's own): other filters without antialiasing, the other resize mode,
    /// a crop 4 px off, the channels swapped, normalisation left out.
    public static func variants(of base: PreprocessConfig) -> [(name: String, config: PreprocessConfig)] {
        func with(_ change: (inout PreprocessConfig) -> Void) -> PreprocessConfig {
            var c = base
            change(&c)
            return c
        }
        return [
            ("bilinear (no antialias)", with { $0.interpolation = .bilinear }),
            ("nearest", with { $0.interpolation = .nearest }),
            ("bicubic (no antialias)", with { $0.interpolation = .bicubic }),
            (
                base.resizeMode == .shortest ? "squash (no crop)" : "crop instead of squash",
                with { $0.resizeMode = base.resizeMode == .shortest ? .squash : .shortest }
            ),
            ("crop 4 px off", with { $0.cropOffset = .init(x: 4, y: 4) }),
            ("BGR", with { $0.channelOrder = .bgr }),
            ("not normalised", with { $0.normalize = false })
        ]
    }

    public static func run(_ context: LabContext) throws -> ExperimentOutput {
        let images = context.images, model = context.model
        let originals = images.map(\.original)
        let exact = try model.embed(originals: originals, with: model.preprocessor)
        let variants = variants(of: model.preprocessor.config)
        var rows: [[String]] = [], values: [[Double]] = []
        for (name, config) in variants {
            let embeddings = try model.embed(originals: originals, with: ImagePreprocessor(config: config))
            let cosines = images.indices.map { Stats.cosine(embeddings[$0], exact[$0]) }
            values.append(cosines)
            rows += images.indices.map { [name, images[$0].name, format(cosines[$0], 6)] }
        }
        var output = ExperimentOutput(experiment: "preprocess")
        output.files.append(try context.report.csv("preprocess", header: ["variant", "image", "cosine"], rows: rows))
        let chart = BarChart(
            title: "Preprocessing — \(context.modelName), \(images.count) images",
            yLabel: "cosine to the exact preprocessing",
            categories: variants.map(\.name), values: values, yRange: nil)
        let files = try context.report.plot("preprocess", svg: chart.svg())
        output.plots = [files[0]]
        output.files += files
        let means = values.map { Stats.meanStd($0).mean }
        let order = means.indices.sorted { means[$0] < means[$1] }
        output.summary =
            "Preprocessing on \(images.count) images (\(context.modelName); exact: "
            + "\(model.preprocessor.config.resizeMode.rawValue) to \(model.inputSize) px, Pillow bicubic): "
            + "mean cosine to the exact pipeline's embedding "
            + order.map {
                "\(variants[$0].name) \(format(means[$0], 3)) (lowest \(format(values[$0].min() ?? .nan, 3)))"
            }.joined(separator: ", ")
                + """
                . The embedding moves most under \(variants[order[0]].name) and least under \
                \(variants[order.last!].name).
                """
        for (i, v) in variants.enumerated() { output.numbers["cosine_" + v.name] = means[i] }
        return output
    }
}
