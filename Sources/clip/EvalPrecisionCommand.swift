import ArgumentParser
import CLIP
import Foundation

/// `clip eval precision`: how far bf16 and int8 embeddings move from fp32 on the same images and prompts,
/// and what that does to zero-shot accuracy on a labelled set.
struct EvalPrecisionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "precision",
        abstract:
            """
            Cosine of bf16/int8 embeddings to fp32 (mean and worst) on images and prompts, and zero-shot top-1 \
            per precision.
            """
    )

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var imageOptions: ImageOptions

    @Option(name: .long, parsing: .upToNextOption, help: "Images or folders to compare embeddings on.")
    var images: [String] = []
    @Option(
        name: .long,
        help:
            """
            A file of prompts (one per line); default: with --data, its zero-shot prompts (every template × \
            class), else 'a photo of a {}.' for the 1,000 ImageNet classes.
            """
    )
    var prompts: String?
    @Option(name: .long, help: "Labelled images (class subfolders or labels.tsv) for zero-shot top-1 per precision.")
    var data: String?
    @Option(name: .long, help: "With --data: a file of candidate class names (one per line).")
    var classes: String?
    @OptionGroup var templateOptions: TemplateOptions
    @Option(name: .long, help: "Precisions to hold against fp32 (comma list).")
    var compare = "bf16,int8"
    @OptionGroup var format: OutputOptions
    @Flag(
        name: .long, help: "Diagnostic: int8 without folding LayerNorm outlier channels into the weights (see README).")
    var noSmoothing = false

    func validate() throws {
        for name in compare.split(separator: ",")
        where Precision(rawValue: String(name)) == nil || name == "fp32" || name == "auto" {
            throw ValidationError("--compare: '\(name)' is not bf16 or int8")
        }
    }

    struct Row {
        let precision: Precision
        var image: EmbeddingAgreement?
        var text: EmbeddingAgreement?
        var top1: Double?
    }

    func run() async throws {
        runtime.apply()
        let files = try ImageFiles.collect(images)
        let labelled = try data.map { try EvalCommand.labelledImages($0, classes: classes) }
        let zeroShotTemplates = try templateOptions.read()
        let promptList =
            try prompts.map { try TextList.read($0).filter { !$0.isEmpty } }
            ?? labelled.map { set in
                set.classes.flatMap { label in zeroShotTemplates.map { PromptTemplates.fill($0, with: label) } }
            }
            ?? PromptTemplates.imagenetClassNames.map { PromptTemplates.fill("a photo of a {}.", with: $0) }
        // A precision this CPU has no kernel for would run fp32 and be fp32 compared with itself: say so and
        // leave it out, before spending a model load on it.
        let table = KernelTable.current
        var requested: [Precision] = []
        for precision in compare.split(separator: ",").compactMap({ Precision(rawValue: String($0)) }) {
            if table.supports(precision) {
                requested.append(precision)
            } else {
                FileHandle.standardError.write(
                    Data(
                        """
                        note: this CPU lacks \(precision.instructions) (has: \(table.features)); \
                        \(precision.rawValue) is not compared\n
                        """
                        .utf8))
            }
        }

        func measure(_ precision: Precision) throws -> (images: Tensor?, texts: Tensor, top1: Double?) {
            var options = modelOptions
            options.precision = precision
            let loaded = try options.load(towers: .both, smoothing: !noSmoothing)
            let imageEmbeddings =
                files.isEmpty
                ? nil : try imageOptions.embedAvailable(files, with: try imageOptions.embedder(loaded)).embeddings
            let texts = try loaded.embedTexts(promptList)
            var top1: Double?
            if let set = labelled {
                top1 = try EvalCommand.zeroShot(loaded, on: set, templates: zeroShotTemplates, images: imageOptions).0
                    .top1
            }
            return (imageEmbeddings, texts, top1)
        }

        let reference = try measure(.fp32)
        var rows = [Row(precision: .fp32, image: nil, text: nil, top1: reference.top1)]
        for precision in requested {
            let got = try measure(precision)
            rows.append(
                Row(
                    precision: precision,
                    image: got.images.map { EmbeddingAgreement(reference: reference.images!, candidate: $0) },
                    text: EmbeddingAgreement(reference: reference.texts, candidate: got.texts), top1: got.top1))
        }
        if format.json {
            let objects: [[String: Any]] = rows.map { row in
                var o: [String: Any] = ["precision": row.precision.rawValue]
                if let a = row.image {
                    o["image"] = ["count": a.count, "mean_cosine": a.meanCosine, "worst_cosine": a.worstCosine]
                }
                if let a = row.text {
                    o["text"] = ["count": a.count, "mean_cosine": a.meanCosine, "worst_cosine": a.worstCosine]
                }
                if let t = row.top1 { o["zero_shot_top1"] = t }
                return o
            }
            print(
                try JSONLines.string(
                    [
                        "model": modelOptions.name, "cpu": BuildInfo.cpuModel, "kernels": BuildInfo.kernels,
                        "results": objects
                    ] as [String: Any]))
            return
        }
        print(
            """
            model: \(modelOptions.name)   images: \(reference.images?.shape[0] ?? 0)   prompts: \
            \(promptList.count)   cpu: \(BuildInfo.cpuModel)
            """
        )
        for row in rows {
            var parts = [row.precision.rawValue.padding(toLength: 5, withPad: " ", startingAt: 0)]
            if let a = row.image {
                parts.append(String(format: "image cosine to fp32: mean %.5f worst %.5f", a.meanCosine, a.worstCosine))
            }
            if let a = row.text {
                parts.append(String(format: "text cosine to fp32: mean %.5f worst %.5f", a.meanCosine, a.worstCosine))
            }
            if let t = row.top1 {
                let delta = row.precision == .fp32 ? "" : String(format: " (%+.2f points)", 100 * (t - reference.top1!))
                parts.append(String(format: "zero-shot top-1 %.2f%%", 100 * t) + delta)
            }
            print("  " + parts.joined(separator: "   "))
        }
    }
}
