import ArgumentParser
import CLIP
import CLIPBundledModel
import CLIPLab
import CLIPTraining
import Foundation

/// `clip lab`: the robustness experiments, each writing a CSV, SVG plots (PNG too where `rsvg-convert` is
/// installed), a summary on stdout, and `--out/index.html` showing every experiment run into that folder.
struct LabCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab",
        abstract: "Robustness experiments with plots: occlusion, noise, preprocess, activations, adversarial (or all).",
        discussion: """
            occlusion    grey over 0–100% of each image (random pixels, random squares): cosine to the clean \
            embedding, zero-shot accuracy, a fitted line
            noise        Gaussian noise, salt and pepper, blur, JPEG quality, each swept: cosine to the clean embedding
            preprocess   the model's exact preprocessing against other filters, squash/crop, a crop 4 px off, BGR, no \
            normalisation
            activations  from noise to the image in 10 steps: near-zero fraction and norm of each block's MLP \
            activations
            adversarial  the fewest pixels (--mode k-pixel) or smallest L∞ budget (--mode linf) that change the \
            zero-shot prediction
            With the bundled model (--model synthetic-shapes) and no --images, 20 held-out synthetic pictures and \
            their labels are generated into --out.
            """)

    enum Experiment: String, ExpressibleByArgument, CaseIterable {
        case occlusion, noise, preprocess, activations, adversarial, all
    }

    @Argument(help: "occlusion, noise, preprocess, activations, adversarial, or all.")
    var experiment: Experiment
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var runtime: RuntimeOptions
    @Option(
        name: .long, parsing: .upToNextOption,
        help: ArgumentHelp(
            "Image files or folders (a folder of class subfolders or with a labels.tsv gives labels)."))
    var images: [String] = []
    @Option(name: .long, help: "Folder for the CSVs, plots, pictures and index.html.")
    var out = "lab"
    @Option(name: .long, help: "Seed of every random choice (which pixels, noise).")
    var seed: UInt64 = 0
    @OptionGroup var labelOptions: LabelOptions
    @OptionGroup var templateOptions: TemplateOptions
    @Option(name: .long, help: "Use at most this many images.")
    var limit: Int?
    @Option(name: .long, help: "Images per model batch.")
    var batchSize = 32
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Adversarial: k-pixel (change at most --budget pixels) or linf (an L∞ budget of at most --budget levels)."))
    var mode: String = "k-pixel"
    @Option(name: .long, help: "Adversarial budget: pixels for k-pixel (default 100), levels for linf (default 16).")
    var budget: Int?
    @OptionGroup var format: OutputOptions

    func validate() throws {
        guard AdversarialAttack.Mode(rawValue: mode) != nil else {
            throw ValidationError("--mode must be k-pixel or linf")
        }
        if let budget, budget < 1 { throw ValidationError("--budget must be at least 1") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() async throws {
        runtime.apply()
        let report = try LabReport(folder: URL(fileURLWithPath: out))
        var imagePaths = images, templateSpec = templateOptions.templates ?? "simple", labelList: [String]? = nil
        if imagePaths.isEmpty {
            guard modelOptions.name == BundledModel.name else {
                throw ValidationError(
                    "give --images (files or folders); only the bundled model "
                        + "(--model \(BundledModel.name)) brings pictures of its own")
            }
            // Held-out synthetic pictures (colour–shape pairs the model never saw named together), labelled.
            let inputs = report.folder.appendingPathComponent("inputs")
            try SyntheticDataset.write(
                to: inputs, trainCount: 1, heldOutCount: 20, seed: 7_000 + seed,
                trainingVariety: false)
            imagePaths = [inputs.appendingPathComponent("heldout").path]
            if !labelOptions.given { labelList = SyntheticScene.allLabels }
            if templateSpec == "simple" { templateSpec = inputs.appendingPathComponent("templates.txt").path }
        }
        let loaded = try modelOptions.load(towers: .both)
        var model = try LabModel(loaded)
        model.batchSize = batchSize
        let (inputs, classes) = try LabInputs.load(imagePaths, model: model, limit: limit)
        if let given = try labelOptions.read() { labelList = given }
        let names = labelList ?? classes
        let classifier = try names.map {
            try ZeroShotClassifier(
                text: try loaded.model.requireText(), tokenizer: try loaded.tokenizer(), labels: $0,
                templates: try PromptTemplates.named(templateSpec),
                logitScale: loaded.model.logitScale, logitBias: loaded.model.logitBias)
        }
        let context = LabContext(
            model: model, images: inputs, classifier: classifier, seed: seed, report: report,
            modelName: modelOptions.name)
        // `all` runs what this model and these pictures allow, saying what it leaves out and why.
        var skipped: [String: String] = [:]
        if experiment == .all {
            if !model.vision.hasTransformerBlocks {
                skipped["activations"] = "a \(model.vision.family.rawValue) has no transformer blocks to observe"
            }
            if classifier == nil {
                skipped["adversarial"] = "no zero-shot labels (--labels, --labels-file or a labelled folder)"
            } else if (names?.count ?? 0) < 2 {
                skipped["adversarial"] = "fewer than two labels"
            } else if !model.vision.hasBackward {
                skipped["adversarial"] =
                    "the backward pass runs on ViT image towers only (this is a "
                    + "\(model.vision.family.rawValue))"
            } else if !loaded.model.source.hasSuffix(".safetensors") {
                skipped["adversarial"] = "the weights are not a safetensors file"
            }
        }
        let chosen: [Experiment] =
            experiment == .all
            ? Experiment.allCases.filter { $0 != .all && skipped[$0.rawValue] == nil }
            : [experiment]
        for (name, reason) in skipped.sorted(by: { $0.key < $1.key }) where !format.json {
            print("skipped \(name): \(reason)\n")
        }
        var outputs: [ExperimentOutput] = []
        for e in chosen {
            let output: ExperimentOutput
            switch e {
            case .occlusion: output = try OcclusionExperiment.run(context)
            case .noise: output = try NoiseExperiment.run(context)
            case .preprocess: output = try PreprocessExperiment.run(context)
            case .activations: output = try ActivationsExperiment.run(context)
            case .adversarial:
                let attackMode = AdversarialAttack.Mode(rawValue: mode)!
                output = try AdversarialExperiment.run(
                    context, mode: attackMode,
                    budget: budget ?? (attackMode == .kPixel ? 100 : 16))
            case .all: continue
            }
            try report.record(output)
            outputs.append(output)
            if !format.json { print(output.summary + "\n") }
        }
        if format.json {
            // JSON has no NaN: a number an experiment could not measure is left out.
            let objects = outputs.map {
                [
                    "experiment": $0.experiment, "summary": $0.summary,
                    "numbers": $0.numbers.filter { $0.value.isFinite },
                    "files": $0.files
                ] as [String: Any]
            }
            let summary: [String: Any] = [
                "out": report.folder.path, "png": report.rasterizer != nil,
                "experiments": objects, "skipped": skipped
            ]
            print(try JSONLines.string(summary))
        } else {
            let pngNote = report.rasterizer == nil ? " (SVG plots; install librsvg2-bin for PNGs)" : ""
            print("wrote \(report.folder.appendingPathComponent("index.html").path)" + pngNote)
        }
    }
}
