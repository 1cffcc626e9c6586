import ArgumentParser
import CLIP
import Foundation

/// `clip classify`: zero-shot labels for images, with prompt ensembling over templates.
struct ClassifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Zero-shot classify images (files or folders) against labels.",
        discussion:
            """
            Probabilities are softmax(logit_scale · cos) over the labels; each label's text embedding is the \
            renormalised mean over the templates (the CLIP paper's prompt ensembling).
            """
    )

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var imageOptions: ImageOptions

    @Argument(help: "Image files or folders.")
    var images: [String]
    @OptionGroup var labelOptions: LabelOptions
    @OptionGroup var templateOptions: TemplateOptions
    @Option(name: .long, help: "Labels to show per image.")
    var top = 5
    @OptionGroup var format: OutputOptions

    func validate() throws {
        guard labelOptions.given else { throw ValidationError("give exactly one of --labels or --labels-file") }
        guard top >= 1 else { throw ValidationError("--top must be at least 1") }
    }

    func run() async throws {
        runtime.apply()
        let loaded = try modelOptions.load(towers: .both)
        let classifier = try ZeroShotClassifier(
            text: try loaded.model.requireText(), tokenizer: try loaded.tokenizer(),
            labels: try labelOptions.read() ?? [],
            templates: try templateOptions.read(), logitScale: loaded.model.logitScale,
            logitBias: loaded.model.logitBias, progress: ProgressLine.prompts.update)
        let files = try ImageFiles.collect(images)
        let (embeddings, used) = try imageOptions.embedAvailable(files, with: try imageOptions.embedder(loaded))
        let predictions = classifier.top(top, embeddings)
        if format.json {
            let objects = zip(used, predictions).map { item, p -> [String: Any] in
                ["path": item.path, "predictions": p.map { ["label": $0.label, "probability": Double($0.probability)] }]
            }
            print(try JSONLines.string(objects))
            return
        }
        for (item, p) in zip(used, predictions) {
            print(item.path)
            for prediction in p {
                print(String(format: "  %6.2f%%  %@", 100 * prediction.probability, prediction.label))
            }
        }
    }
}
