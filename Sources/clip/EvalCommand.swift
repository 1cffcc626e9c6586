import ArgumentParser
import CLIP
import Foundation

/// `clip eval zeroshot|retrieval`: reproduce the CLIP paper's zero-shot and retrieval numbers on a data set.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Zero-shot accuracy and retrieval recall on labelled data; reduced-precision agreement with fp32.",
        subcommands: [ZeroShot.self, Retrieval.self, EvalPrecisionCommand.self])

    struct ZeroShot: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "zeroshot",
            abstract: "Top-1/top-5 zero-shot accuracy on class subfolders (or a labels.tsv), with a per-class table.")

        @OptionGroup var modelOptions: ModelOptions
        @OptionGroup var runtime: RuntimeOptions
        @OptionGroup var imageOptions: ImageOptions

        @Option(name: .long, help: "Class subfolders, or a folder with labels.tsv (path<TAB>class).")
        var data: String
        @OptionGroup var templateOptions: TemplateOptions
        @Option(
            name: .long,
            help:
                """
                A file of candidate class names (one per line), a superset of the data's labels; default: the \
                data's labels.
                """
        )
        var classes: String?
        @OptionGroup var format: OutputOptions

        func run() async throws {
            runtime.apply()
            let set = try EvalCommand.labelledImages(data, classes: classes)
            let loaded = try modelOptions.load(towers: .both)
            let (accuracy, used) = try EvalCommand.zeroShot(
                loaded, on: set, templates: try templateOptions.read(),
                images: imageOptions, progress: ProgressLine.prompts.update)
            // Top-5 among 5 classes or fewer is 100% by construction: not a measurement.
            let top5: Double? = set.classes.count > 5 ? accuracy.top5 : nil
            if format.json {
                let perClass = zip(set.classes, accuracy.perClass).map {
                    ["class": $0, "correct": $1.correct, "count": $1.count] as [String: Any]
                }
                print(
                    try JSONLines.string(
                        ["images": used.count, "top1": accuracy.top1, "top5": top5 ?? NSNull(), "classes": perClass]
                            as [String: Any]))
                return
            }
            let top5Text = top5.map { String(format: "%.2f%%", 100 * $0) } ?? "n/a (\(set.classes.count) classes)"
            print(
                String(
                    format: "images: %d   classes: %d   top-1: %.2f%%   top-5: %@", used.count, set.classes.count,
                    100 * accuracy.top1, top5Text))
            // Classes with pictures only: a held-out split scores 6 classes among 96 candidates, and 90 lines
            // of "0.00% (0/0)" would bury them (the JSON keeps every class).
            let scored = zip(set.classes, accuracy.perClass).filter { $0.1.count > 0 }
            let width = scored.map(\.0.count).max() ?? 5
            for (name, stats) in scored {
                print(
                    String(
                        format: "  %@  %6.2f%%  (%d/%d)", name.padding(toLength: width, withPad: " ", startingAt: 0),
                        100 * Double(stats.correct) / Double(stats.count), stats.correct, stats.count))
            }
            let candidatesOnly = set.classes.count - scored.count
            if candidatesOnly > 0 {
                print("  (and \(candidatesOnly) candidate class\(candidatesOnly == 1 ? "" : "es") without pictures)")
            }
        }
    }

    struct Retrieval: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Text→image and image→text recall@1/5/10 from a captions file.")

        @OptionGroup var modelOptions: ModelOptions
        @OptionGroup var runtime: RuntimeOptions
        @OptionGroup var imageOptions: ImageOptions

        @Option(
            name: .long,
            help: "A TSV of path<TAB>caption (paths relative to its folder); an image may have several captions.")
        var captions: String
        @OptionGroup var format: OutputOptions

        func run() async throws {
            runtime.apply()
            let root = URL(fileURLWithPath: captions).deletingLastPathComponent()
            var images: [String] = [], imageIndex: [String: Int] = [:], texts: [String] = [], owners: [String] = []
            for (n, line) in try TextList.read(captions).enumerated() where !line.isEmpty {
                let fields = line.split(separator: "\t", maxSplits: 1).map(String.init)
                guard fields.count == 2 else {
                    throw CLIPError.input(file: captions, reason: "line \(n + 1): expected path<TAB>caption")
                }
                let path = fields[0].hasPrefix("/") ? fields[0] : root.appendingPathComponent(fields[0]).path
                if imageIndex[path] == nil {
                    imageIndex[path] = images.count
                    images.append(path)
                }
                texts.append(fields[1])
                owners.append(path)
            }
            let loaded = try modelOptions.load(towers: .both)
            let (imageEmbeddings, used) = try imageOptions.embedAvailable(
                images, with: try imageOptions.embedder(loaded))
            let row = Dictionary(uniqueKeysWithValues: used.enumerated().map { ($1.path, $0) })
            let kept = owners.indices.filter { row[owners[$0]] != nil }
            let textEmbeddings = try loaded.embedTexts(kept.map { texts[$0] })
            let recall = Evaluation.retrievalRecall(
                images: imageEmbeddings, captions: textEmbeddings, owner: kept.map { row[owners[$0]]! })
            if format.json {
                let object: [String: Any] = [
                    "images": used.count, "captions": kept.count,
                    "text_to_image": recall.textToImage.mapKeys { "R@\($0)" },
                    "image_to_text": recall.imageToText.mapKeys { "R@\($0)" }
                ]
                print(try JSONLines.string(object))
                return
            }
            print("images: \(used.count)   captions: \(kept.count)")
            for (name, r) in [("text→image", recall.textToImage), ("image→text", recall.imageToText)] {
                print(
                    String(
                        format: "  %@  R@1 %.2f%%  R@5 %.2f%%  R@10 %.2f%%", name, 100 * r[1]!, 100 * r[5]!,
                        100 * r[10]!))
            }
        }
    }
}

extension EvalCommand {
    /// `--data`'s labelled images, over `--classes`' candidate names when given.
    static func labelledImages(_ data: String, classes: String?) throws -> LabeledImages {
        var set = try LabeledImages.load(data)
        if let named = try set.namingImageNetClasses(source: data) {
            set = named
            FileHandle.standardError.write(
                Data(
                    """
                    classes: \(set.classes.count) WordNet ids named as in the CLIP paper's ImageNet evaluation \
                    (open_clip's IMAGENET_CLASSNAMES, by the standard sorted-id class index)\n
                    """
                    .utf8))
        }
        guard let classes else { return set }
        return try set.relabeled(candidates: try TextList.read(classes).filter { !$0.isEmpty }, source: classes)
    }

    /// Zero-shot accuracy of `loaded` on `set` (the images that could be used, reported once each).
    static func zeroShot(
        _ loaded: LoadedModel, on set: LabeledImages, templates: [String], images: ImageOptions,
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> (Evaluation.Accuracy, used: [(index: Int, path: String)]) {
        let classifier = try ZeroShotClassifier(
            text: try loaded.model.requireText(), tokenizer: try loaded.tokenizer(),
            labels: set.classes, templates: templates, logitScale: loaded.model.logitScale,
            logitBias: loaded.model.logitBias,
            progress: progress)
        let (features, used) = try images.embedAvailable(set.files, with: try images.embedder(loaded))
        let accuracy = Evaluation.accuracy(
            scores: classifier.probabilities(features), labels: used.map { set.labels[$0.index] },
            classCount: set.classes.count)
        return (accuracy, used)
    }
}

private extension Dictionary where Key == Int {
    func mapKeys(_ transform: (Int) -> String) -> [String: Value] {
        Dictionary<String, Value>(uniqueKeysWithValues: map { (transform($0.key), $0.value) })
    }
}
