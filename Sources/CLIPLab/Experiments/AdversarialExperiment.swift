import CLIP
import Foundation

/// `clip lab adversarial`: for each image, the fewest pixels (k-pixel mode) or the smallest L∞ budget (PGD)
/// that change its zero-shot prediction; the clean picture, the adversarial one and an amplified
/// difference map saved for each, and each flip checked by decoding the saved PNG and embedding it through
/// the normal inference path.
public enum AdversarialExperiment {
    public static func run(_ context: LabContext, mode: AdversarialAttack.Mode, budget: Int) throws -> ExperimentOutput
    {
        guard let classifier = context.classifier else {
            throw CLIPError.invalidArgument(
                """
                the adversarial experiment needs zero-shot labels: --labels, --labels-file, or a labelled \
                --images folder
                """
            )
        }
        guard classifier.labels.count >= 2 else {
            throw CLIPError.invalidArgument(
                """
                the adversarial experiment needs at least two labels to move a prediction between, got \
                \(classifier.labels.count)
                """
            )
        }
        let attack = try AdversarialAttack(model: context.model, classifier: classifier)
        let folder = "adversarial"
        try FileOutput.createFolder(context.report.folder.appendingPathComponent(folder))
        var rows: [[String]] = [], output = ExperimentOutput(experiment: "adversarial")
        var flips = 0, verified = 0, pixelCounts: [Double] = [], stepCounts: [Double] = [], budgets: [Double] = []
        let loaded = context.model.loaded, embedder = try loaded.imageEmbedder()
        for image in context.images {
            let outcome = try attack.attack(image.prepared, mode: mode, budget: budget)
            let base = "\(folder)/\(image.name)"
            try context.report.image(base + "_clean", image.prepared)
            let adversarialFile = try context.report.image(base + "_adversarial", outcome.adversarial)
            try context.report.image(
                base + "_difference", AdversarialAttack.differenceMap(image.prepared, outcome.adversarial))
            // The saved file through the normal path: decode, the model's preprocessing, fp32 inference.
            let reread = try embedder.embed(files: [context.report.folder.appendingPathComponent(adversarialFile).path])
            let rereadLabel = classifier.top(1, reread)[0][0].index
            let confirmed = outcome.flipped && rereadLabel == outcome.predicted && rereadLabel != outcome.original
            if outcome.flipped { flips += 1 }
            if confirmed {
                verified += 1
                pixelCounts.append(Double(outcome.changedPixels))
                stepCounts.append(Double(outcome.steps))
                budgets.append(Double(outcome.linf))
            }
            rows.append([
                image.name, mode.rawValue, classifier.labels[outcome.original], classifier.labels[outcome.target],
                classifier.labels[outcome.predicted],
                outcome.flipped ? "1" : "0", confirmed ? "1" : "0", String(outcome.changedPixels), String(outcome.linf),
                String(outcome.steps),
                classifier.labels[rereadLabel]
            ])
        }
        output.files.append(
            try context.report.csv(
                "adversarial",
                header: [
                    "image", "mode", "clean", "target", "adversarial", "flipped", "verified_from_png",
                    "changed_pixels", "linf_levels", "gradient_steps", "png_prediction"
                ], rows: rows))
        output.files.append(folder + "/")
        let n = context.images.count, pixels = context.model.inputSize * context.model.inputSize
        let what =
            mode == .kPixel ? "at most \(budget) of \(pixels) pixels" : "an L∞ budget of at most \(budget) levels"
        let precision = loaded.model.precision.rawValue
        var summary =
            """
            Adversarial (\(mode.rawValue)) on \(n) images (\(context.modelName), \(classifier.labels.count) \
            labels), \(what): \(verified) of \(n) predictions changed and confirmed by re-embedding the saved PNG \
            through the model's normal inference path (\(precision))
            """
        if !pixelCounts.isEmpty {
            let p = Stats.meanStd(pixelCounts), s = Stats.meanStd(stepCounts), l = Stats.meanStd(budgets)
            summary += String(
                format:
                    """
                    ; it took %.1f pixels (median %.0f, %.2f%% of the picture), %.1f gradient steps and an L∞ \
                    change of %.1f levels on average
                    """,
                p.mean, pixelCounts.sorted()[pixelCounts.count / 2], 100 * p.mean / Double(pixels), s.mean, l.mean)
        }
        summary +=
            """
            . Pictures: \(folder)/NAME_clean.png, _adversarial.png and _difference.png (the change, scaled so the \
            largest is white).
            """
        output.summary = summary
        output.numbers = ["flipped": Double(flips), "verified": Double(verified), "images": Double(n)]
        if !pixelCounts.isEmpty {
            output.numbers["mean_changed_pixels"] = Stats.meanStd(pixelCounts).mean
            output.numbers["mean_steps"] = Stats.meanStd(stepCounts).mean
        }
        // A plot: pixels (or levels) needed per image.
        let chart = BarChart(
            title: "Adversarial (\(mode.rawValue)) — \(context.modelName)",
            yLabel: mode == .kPixel ? "pixels changed" : "L∞ change (levels)",
            categories: ["flipped (\(verified))"], values: [mode == .kPixel ? pixelCounts : budgets], yRange: nil)
        let files = try context.report.plot("adversarial", svg: chart.svg())
        output.plots = [files[0]]
        output.files += files
        return output
    }
}
