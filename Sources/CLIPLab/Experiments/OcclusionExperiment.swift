import CLIP
import Foundation

/// `clip lab occlusion`: a growing share of each image (0–100% in 20 steps) turned grey, as random pixels and
/// as random squares; the cosine of each copy's embedding to the clean one, zero-shot accuracy where labels
/// are given, and a line fitted to the mean cosine. Every copy of every image goes through the model in
/// batches, so the run is limited by the model's batch throughput.
public enum OcclusionExperiment {
    public static let fractions = (0...20).map { Double($0) / 20 }

    /// The squares' side: 1/16 of the input (14 px at 224).
    public static func patchSide(_ size: Int) -> Int { max(1, size / 16) }

    public static func run(_ context: LabContext) throws -> ExperimentOutput {
        let images = context.images, model = context.model, modes = Occlusion.Mode.allCases
        let patch = patchSide(model.inputSize), nf = fractions.count
        let start = Date()
        let clean = try model.embed(count: images.count) { images[$0].prepared }
        // Copy k: mode k / (images · fractions), image, fraction.
        let perMode = images.count * nf
        // Each image's order of turning grey, made once for its 21 fractions.
        var cached: (key: Int, order: [Int]) = (-1, [])
        let embeddings = try model.embed(count: modes.count * perMode) { k in
            let mode = modes[k / perMode], i = (k % perMode) / nf, f = fractions[k % nf]
            if cached.key != k / nf {
                cached = (
                    k / nf, Occlusion.order(images[i].prepared, mode: mode, patch: patch, seed: context.seed(image: i))
                )
            }
            return Occlusion.apply(images[i].prepared, fraction: f, mode: mode, patch: patch, order: cached.order)
        }
        let seconds = Date().timeIntervalSince(start), embedded = clean.count + embeddings.count
        let predictions = context.predictions(embeddings), truths = context.truths(clean: clean)
        var rows: [[String]] = [], cosines = [[[Double]]](repeating: [], count: modes.count)
        var accuracy = [[Double]](repeating: [Double](repeating: 0, count: nf), count: modes.count)
        for (m, mode) in modes.enumerated() {
            for i in images.indices {
                var line: [Double] = []
                for (j, f) in fractions.enumerated() {
                    let k = m * perMode + i * nf + j
                    let c = Stats.cosine(embeddings[k], clean[i])
                    line.append(c)
                    var row = [mode.rawValue, images[i].name, format(f, 2), format(c, 6)]
                    if let predictions, let truths, let classifier = context.classifier {
                        let correct = predictions[k] == truths.labels[i]
                        accuracy[m][j] += correct ? 1 / Double(images.count) : 0
                        row += [classifier.labels[predictions[k]], correct ? "1" : "0"]
                    }
                    rows.append(row)
                }
                cosines[m].append(line)
            }
        }
        var output = ExperimentOutput(experiment: "occlusion")
        var header = ["mode", "image", "fraction", "cosine"]
        if context.classifier != nil { header += ["predicted", "correct"] }
        output.files.append(try context.report.csv("occlusion", header: header, rows: rows))
        // A line through the mean cosine per mode.
        var fits: [(slope: Double, intercept: Double, r2: Double)] = []
        for m in modes.indices {
            let means = fractions.indices.map { j in Stats.meanStd(cosines[m].map { $0[j] }).mean }
            fits.append(Stats.linearFit(fractions, means))
        }
        let titles = ["Random pixels grey", "Random \(patch)×\(patch) squares grey"]
        var panels = modes.indices.map { m in
            LineChart.Panel(
                title: titles[m], xLabel: "fraction of the image grey", yLabel: "cosine to the clean embedding",
                xs: fractions,
                groups: [LineChart.Group(name: modes[m].rawValue, lines: cosines[m], color: Palette.color(m))],
                yRange: nil,
                note: String(
                    format: "fit: %.3f · fraction + %.3f, R² %.3f", fits[m].slope, fits[m].intercept, fits[m].r2))
        }
        if let truths {
            panels.append(
                LineChart.Panel(
                    title: truths.fromFolders ? "Zero-shot accuracy" : "Agreement with the clean prediction",
                    xLabel: "fraction of the image grey",
                    yLabel: truths.fromFolders ? "top-1 accuracy" : "same top-1 as clean",
                    xs: fractions,
                    groups: modes.indices.map {
                        LineChart.Group(name: modes[$0].rawValue, lines: [accuracy[$0]], color: Palette.color($0))
                    },
                    yRange: (0, 1), note: nil))
        }
        let chart = LineChart(
            title: "Occlusion — \(context.modelName), \(images.count) images at \(model.inputSize) px", panels: panels,
            columns: min(panels.count, 3))
        let files = try context.report.plot("occlusion", svg: chart.svg())
        output.plots = [files[0]]
        output.files += files
        let finalMeans = modes.indices.map { m in Stats.meanStd(cosines[m].map { $0[nf - 1] }).mean }
        let rate = Double(embedded) / seconds
        var summary = String(
            format:
                "Occlusion on %d images (%@, %d px input): as a growing share of each image turns grey, the "
                + "cosine of its embedding to the clean one falls from 1 to %.3f (random pixels) and %.3f "
                + "(random %d-px squares) at 100%%. ",
            images.count, context.modelName, model.inputSize, finalMeans[0], finalMeans[1], patch)
        summary += String(
            format:
                "A line fits the mean with slope %.3f per unit fraction (R² %.3f) for pixels and %.3f (R² %.3f) "
                + "for squares%@. ",
            fits[0].slope, fits[0].r2, fits[1].slope, fits[1].r2,
            fits.allSatisfy { $0.r2 > 0.95 } ? ": the fall is close to linear" : ": the fall is not linear")
        if let truths {
            summary += String(
                format: "%@ goes from %.0f%% to %.0f%% (pixels) and %.0f%% (squares). ",
                truths.fromFolders ? "Zero-shot top-1 accuracy" : "Agreement with the clean prediction",
                100 * accuracy[0][0], 100 * accuracy[0][nf - 1], 100 * accuracy[1][nf - 1])
        }
        summary += String(
            format: "%d embeddings in %.1f s (%.1f images/s, batch %d).", embedded, seconds, rate, model.batchSize)
        output.summary = summary
        output.numbers = [
            "slope_pixels": fits[0].slope, "r2_pixels": fits[0].r2, "slope_patches": fits[1].slope,
            "r2_patches": fits[1].r2,
            "cosine_full_pixels": finalMeans[0], "cosine_full_patches": finalMeans[1], "images_per_second": rate,
            "embeddings": Double(embedded)
        ]
        return output
    }
}
