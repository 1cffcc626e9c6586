import ArgumentParser
import CLIP
import Foundation

/// `clip probe train|predict`: a linear probe on frozen image embeddings (the CLIP paper's evaluation).
struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Train and apply linear probes (L2-regularised logistic regression on image embeddings).",
        subcommands: [Train.self, Predict.self])

    struct Train: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fit a probe on a folder of class subfolders (or a labels.tsv).")

        @OptionGroup var modelOptions: ModelOptions
        @OptionGroup var runtime: RuntimeOptions
        @OptionGroup var imageOptions: ImageOptions

        @Option(name: .long, help: "Class subfolders, or a folder with labels.tsv (path<TAB>class).")
        var data: String
        @Option(name: [.customShort("o"), .long], help: "Output probe (.safetensors).")
        var output: String
        @Option(name: .customLong("C"), help: "Inverse L2 strength, as scikit-learn's C (CLIP paper default 0.316).")
        var c = 0.316
        @Option(name: .long, help: "Fraction of each class held out to report accuracy on (every k-th file by path).")
        var heldOut = 0.2
        @OptionGroup var format: OutputOptions

        func run() async throws {
            runtime.apply()
            let set = try LabeledImages.load(data)
            let loaded = try modelOptions.load(towers: .vision)
            let (features, used) = try imageOptions.embedAvailable(set.files, with: try imageOptions.embedder(loaded))
            let labels = used.map { set.labels[$0.index] }
            let usable = LabeledImages(classes: set.classes, files: used.map(\.path), labels: labels)
            let (trainRows, heldRows) = usable.split(heldOutFraction: heldOut)
            var (probe, report) = try LinearProbe.train(
                features: rows(features, trainRows), labels: trainRows.map { labels[$0] },
                classes: set.classes, c: c)
            // The probe records its model: `clip probe predict` uses it when --model is not given.
            probe.modelID = loaded.id
            probe.modelSpec = loaded.spec
            try probe.save(to: URL(fileURLWithPath: output))
            func correct(_ rows: [Int]) -> Int {
                rows.isEmpty ? 0 : zip(probe.predict(self.rows(features, rows)), rows).filter { $0 == labels[$1] }.count
            }
            func accuracy(_ rows: [Int]) -> String {
                guard !rows.isEmpty else { return "n/a" }
                return String(
                    format: "%.2f%% (%d/%d)", 100 * Double(correct(rows)) / Double(rows.count), correct(rows),
                    rows.count)
            }
            if format.json {
                print(
                    try JSONLines.string(
                        [
                            "classes": set.classes, "iterations": report.iterations, "converged": report.converged,
                            "C": c,
                            "train": ["correct": correct(trainRows), "count": trainRows.count],
                            "held_out": ["correct": correct(heldRows), "count": heldRows.count], "probe": output
                        ] as [String: Any]))
                return
            }
            print(
                """
                classes: \(set.classes.count)   L-BFGS: \(report.iterations) \
                iterations\(report.converged ? "" : " (not converged)")   C = \(c)
                """
            )
            print("train accuracy:    \(accuracy(trainRows))")
            print("held-out accuracy: \(accuracy(heldRows))")
            print("wrote \(output)")
        }

        func rows(_ t: Tensor, _ indices: [Int]) -> Tensor {
            let d = t.shape[1]
            return Tensor(shape: [indices.count, d], values: indices.flatMap { t.row($0) })
        }
    }

    struct Predict: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Classify images with a trained probe.")

        @OptionGroup var modelOptions: ModelOptions
        @OptionGroup var runtime: RuntimeOptions
        @OptionGroup var imageOptions: ImageOptions

        @Option(name: .long, help: "A probe written by `clip probe train`.")
        var probe: String
        @Argument(help: "Image files or folders.")
        var images: [String]
        @OptionGroup var format: OutputOptions

        func run() async throws {
            runtime.apply()
            let linear = try LinearProbe.load(from: URL(fileURLWithPath: probe))
            let trainedWith = linear.modelSpec?.description ?? linear.modelID ?? "a model it does not record"
            // Without --model, the model the probe was trained with (a probe from before probes recorded it: ViT-B-32).
            let loaded = try modelOptions.following(linear.modelSpec).load(towers: .vision)
            let given = loaded.spec?.description ?? loaded.id
            guard loaded.model.config.embedDim == linear.dimension else {
                throw CLIPError.invalidArgument(
                    """
                    \(probe) was trained on \(linear.dimension)-d embeddings of \(trainedWith); \(given) gives \
                    \(loaded.model.config.embedDim)-d ones: give the probe's model with --model, or leave --model \
                    out
                    """
                )
            }
            // Another precision of the same weights is close enough to say nothing about.
            func weights(_ id: String) -> String {
                id.range(of: " precision ", options: .backwards).map { String(id[..<$0.lowerBound]) } ?? id
            }
            if let modelID = linear.modelID, weights(modelID) != weights(loaded.id) {
                FileHandle.standardError.write(
                    Data(
                        """
                        note: \(probe) was trained with \(trainedWith); predicting with \(given), whose \
                        embeddings it was not fitted to\n
                        """
                        .utf8))
            }
            let (features, used) = try imageOptions.embedAvailable(
                try ImageFiles.collect(images), with: try imageOptions.embedder(loaded))
            let probabilities = linear.probabilities(features)
            let results = zip(used, probabilities).map { item, p -> (String, String, Float) in
                let best = p.indices.max { p[$0] < p[$1] }!
                return (item.path, linear.classes[best], p[best])
            }
            if format.json {
                print(try JSONLines.string(results.map { ["path": $0.0, "label": $0.1, "probability": Double($0.2)] }))
            } else {
                for (path, label, p) in results { print(String(format: "%6.2f%%  %@  %@", 100 * p, label, path)) }
            }
        }
    }
}
