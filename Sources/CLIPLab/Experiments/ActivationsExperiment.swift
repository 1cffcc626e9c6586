import CLIP
import Foundation

/// `clip lab activations`: from noise to the image in 10 steps (`(1 − t)·noise + t·image`, t = 0, 0.1 … 1),
/// per residual block the fraction of near-zero activations after the MLP's non-linearity and their norm,
/// read through the tower's block observer.
public enum ActivationsExperiment {
    public static let steps = (0...10).map { Double($0) / 10 }
    /// |a| below this counts as zero.
    public static let nearZero: Float = 1e-2

    public static func run(_ context: LabContext) throws -> ExperimentOutput {
        let images = context.images, model = context.model, s = model.inputSize, ns = steps.count
        let noise = images.indices.map { i -> [UInt8] in
            var random = SeedStream(seed: context.seed(image: i, 99))
            return (0..<(s * s * 3)).map { _ in UInt8.random(in: 0...255, using: &random) }
        }
        // Per (image · steps + step): per block, sparsity and mean L2 norm per token.
        let count = images.count * ns
        var sparsity = [[Double]](repeating: [], count: count), norm = sparsity
        _ = try model.embed(
            count: count,
            observer: { range in
                { block in
                    for (k, item) in range.enumerated() {
                        var zeros = 0, normSum = 0.0
                        for t in 0..<block.tokensPerImage {
                            let row = block.values.baseAddress! + ((k * block.tokensPerImage) + t) * block.width
                            var sq: Float = 0
                            for j in 0..<block.width {
                                let a = row[j]
                                if abs(a) < nearZero { zeros += 1 }
                                sq += a * a
                            }
                            normSum += Double(sq.squareRoot())
                        }
                        sparsity[item].append(Double(zeros) / Double(block.tokensPerImage * block.width))
                        norm[item].append(normSum / Double(block.tokensPerImage))
                    }
                }
            }
        ) { k in
            let i = k / ns, t = steps[k % ns], image = images[i].prepared
            var out = image
            for p in out.pixels.indices {
                out.pixels[p] = UInt8(((1 - t) * Double(noise[i][p]) + t * Double(image.pixels[p])).rounded())
            }
            return out
        }
        let blocks = sparsity[0].count
        guard blocks > 0 else {
            throw CLIPError.invalidArgument(
                """
                \(context.modelName)'s image tower (\(model.vision.family.rawValue)) has no transformer blocks to \
                observe
                """
            )
        }
        var rows: [[String]] = []
        for i in images.indices {
            for (j, t) in steps.enumerated() {
                for b in 0..<blocks {
                    rows.append([
                        images[i].name, format(t, 1), String(b), format(sparsity[i * ns + j][b], 6),
                        format(norm[i * ns + j][b], 4)
                    ])
                }
            }
        }
        var output = ExperimentOutput(experiment: "activations")
        output.files.append(
            try context.report.csv(
                "activations", header: ["image", "t", "block", "near_zero_fraction", "mean_norm"], rows: rows))
        // Mean over images: [block][step].
        let meanSparsity = (0..<blocks).map { b in
            steps.indices.map { j in Stats.meanStd(images.indices.map { sparsity[$0 * ns + j][b] }).mean }
        }
        let heatmap = Heatmap(
            title: "Near-zero MLP activations (|a| < \(nearZero)) — \(context.modelName)",
            xLabel: "t (0: noise, 1: the image)",
            yLabel: "block", columnLabels: steps.map { format($0, 1) }, rowLabels: (0..<blocks).map { "block \($0)" },
            values: meanSparsity)
        let heatFiles = try context.report.plot("activations_heatmap", svg: heatmap.svg())
        let groups = { (values: [[Double]]) in
            (0..<blocks).map { b in
                LineChart.Group(
                    name: "block \(b)", lines: images.indices.map { i in steps.indices.map { values[i * ns + $0][b] } },
                    color: blocks <= Palette.categorical.count
                        ? Palette.color(b) : Palette.ramp(Double(b) / Double(blocks - 1)))
            }
        }
        let curves = LineChart(
            title: "Activations from noise to image — \(context.modelName), \(images.count) images",
            panels: [
                LineChart.Panel(
                    title: "Near-zero fraction per block", xLabel: "t (0: noise, 1: the image)",
                    yLabel: "fraction |a| < \(nearZero)",
                    xs: steps, groups: groups(sparsity), yRange: nil, note: nil),
                LineChart.Panel(
                    title: "Activation norm per block", xLabel: "t (0: noise, 1: the image)",
                    yLabel: "mean ‖a‖ per token",
                    xs: steps, groups: groups(norm), yRange: nil, note: nil)
            ])
        let curveFiles = try context.report.plot("activations_curves", svg: curves.svg())
        output.plots = [heatFiles[0], curveFiles[0]]
        output.files += heatFiles + curveFiles
        let noiseEnd = meanSparsity.map { $0[0] }, imageEnd = meanSparsity.map { $0[ns - 1] }
        let sparsest = imageEnd.indices.max { imageEnd[$0] < imageEnd[$1] }!
        output.summary =
            "Activations on \(images.count) images (\(context.modelName), \(blocks) blocks): the fraction of MLP "
            + "activations with |a| < \(nearZero) goes, block by block, from "
            + noiseEnd.map { format($0, 3) }.joined(separator: ", ") + " on noise to "
            + imageEnd.map { format($0, 3) }.joined(separator: ", ")
            + " on the images; block \(sparsest) is the sparsest on images. Mean activation norm per token on images: "
            + (0..<blocks).map { b in format(Stats.meanStd(images.indices.map { norm[$0 * ns + ns - 1][b] }).mean, 2) }
            .joined(separator: ", ") + "."
        for b in 0..<blocks {
            output.numbers["near_zero_image_block\(b)"] = imageEnd[b]
            output.numbers["near_zero_noise_block\(b)"] = noiseEnd[b]
        }
        return output
    }
}
