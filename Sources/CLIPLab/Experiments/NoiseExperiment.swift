import CLIP
import Foundation

/// `clip lab noise`: Gaussian noise, salt and pepper, Gaussian blur and JPEG compression, each swept over a
/// range of strengths; the cosine of each corrupted copy's embedding to the clean one, one panel per kind.
public enum NoiseExperiment {
    public static func run(_ context: LabContext) throws -> ExperimentOutput {
        let images = context.images, model = context.model, kinds = Noise.allCases
        let clean = try model.embed(count: images.count) { images[$0].prepared }
        // Copy order: kind, image, level.
        var index: [(kind: Int, image: Int, level: Int)] = []
        for (k, kind) in kinds.enumerated() {
            for i in images.indices { for l in kind.levels.indices { index.append((k, i, l)) } }
        }
        let embeddings = try model.embed(count: index.count) { n in
            let (k, i, l) = index[n]
            return try kinds[k].apply(
                images[i].prepared, strength: kinds[k].levels[l], seed: context.seed(image: i, UInt64(k + 1)))
        }
        var rows: [[String]] = [],
            curves = [[[Double]]](repeating: [[Double]](repeating: [], count: images.count), count: kinds.count)
        for (n, (k, i, l)) in index.enumerated() {
            let c = Stats.cosine(embeddings[n], clean[i])
            curves[k][i].append(c)
            rows.append([kinds[k].rawValue, format(kinds[k].levels[l], 3), images[i].name, format(c, 6)])
        }
        var output = ExperimentOutput(experiment: "noise")
        output.files.append(
            try context.report.csv("noise", header: ["noise", "strength", "image", "cosine"], rows: rows))
        let panels = kinds.indices.map { k in
            LineChart.Panel(
                title: kinds[k].title, xLabel: kinds[k].axisLabel, yLabel: "cosine to the clean embedding",
                xs: kinds[k].levels,
                groups: [LineChart.Group(name: kinds[k].rawValue, lines: curves[k], color: Palette.color(k))],
                yRange: nil, note: nil)
        }
        let files = try context.report.plot(
            "noise", svg: LineChart(title: "Noise — \(context.modelName), \(images.count) images", panels: panels).svg()
        )
        output.plots = [files[0]]
        output.files += files
        var parts: [String] = []
        for (k, kind) in kinds.enumerated() {
            let last = kind.levels.count - 1, mean = Stats.meanStd(curves[k].map { $0[last] }).mean
            // The first strength at which the mean cosine falls under 0.9.
            let firstBelow = kind.levels.indices.first { l in Stats.meanStd(curves[k].map { $0[l] }).mean < 0.9 }
            parts.append(
                String(
                    format: "%@ %.3f at the strongest (%@ %@)", kind.title.lowercased(), mean, kind.axisLabel,
                    Ticks.label(kind.levels[last]))
                    + (firstBelow.map { ", under 0.9 from \(Ticks.label(kind.levels[$0]))" } ?? ", never under 0.9"))
            output.numbers["cosine_strongest_\(kind.rawValue)"] = mean
        }
        let ranked = kinds.indices.sorted {
            output.numbers["cosine_strongest_\(kinds[$0].rawValue)"]! < output.numbers[
                "cosine_strongest_\(kinds[$1].rawValue)"]!
        }
        output.summary =
            "Noise on \(images.count) images (\(context.modelName)): mean cosine to the clean embedding "
            + parts.joined(separator: "; ")
                + """
                . At the strongest setting of each, \(kinds[ranked[0]].title.lowercased()) moves the embedding most \
                and \(kinds[ranked.last!].title.lowercased()) least.
                """
        return output
    }
}
