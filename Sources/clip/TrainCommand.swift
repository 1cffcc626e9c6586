import ArgumentParser
import CLIP
import CLIPBundledModel
import CLIPTraining
import Foundation

/// `clip train`: contrastive training (CLIP InfoNCE or SigLIP) from scratch or from a model, in Swift.
struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract:
            """
            Train a CLIP model on captioned images; writes an HF-layout model, checkpoints, train_log.csv and \
            loss_curve.svg.
            """
    )

    @Option(name: .long, help: "Training data: a folder with captions.tsv or captions.jsonl, or class subfolders.")
    var data: String
    @Option(name: .long, help: "A transformers CLIP config.json to train from scratch.")
    var config: String?
    @Option(
        name: .customLong("init"),
        help:
            """
            A model to start from: a Hugging Face layout folder (config.json + model.safetensors), a known model \
            name or a hub repo id (downloaded if missing), or synthetic-shapes.
            """
    )
    var initModel: String?
    @Flag(name: .long, help: "LiT: keep the image tower frozen.")
    var lockImage = false
    @Option(name: .long, help: "clip (InfoNCE) or siglip.")
    var loss = "clip"
    @Option(name: [.short, .customLong("output")], help: "Output folder.")
    var output: String
    @Option(name: .long, help: "Pairs per batch (at least 2).")
    var batchSize = 64
    @Option(name: .long, help: "Optimiser steps (default: 10 epochs).")
    var steps: Int?
    @Option(name: .long, help: "Epochs, when --steps is not given.")
    var epochs = 10
    @Option(name: .long, help: "Peak learning rate.")
    var lr: Float = 5e-4
    @Option(name: .long, help: "Warm-up steps.")
    var warmup = 100
    @Option(name: .long, help: "AdamW weight decay (matrices only).")
    var weightDecay: Float = 0.2
    @Option(name: .long, help: "Checkpoint (and export) every N steps.")
    var checkpointEvery = 200
    @Option(name: .long, help: "Seed for initialisation, data order and augmentation.")
    var seed: UInt64 = 0
    @Option(name: .long, help: "Caption template for class subfolders.")
    var template = "a photo of a {}."
    @Flag(name: .long, help: "Continue the run in the output folder from its checkpoint.")
    var resume = false
    @Flag(name: .long, help: "Save the model in fp16 (half the size).")
    var half = false
    @Flag(name: .long, help: "Disable random-resized-crop augmentation.")
    var noCrop = false
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        guard (config == nil) != (initModel == nil) else {
            throw ValidationError("give exactly one of --config and --init")
        }
        guard LossKind(rawValue: loss) != nil else { throw ValidationError("--loss must be clip or siglip") }
        guard batchSize >= 2 else {
            throw ValidationError(
                "--batch-size must be at least 2: a contrastive loss compares each pair with the others in its batch")
        }
        guard lr > 0, lr.isFinite else { throw ValidationError("--lr must be positive") }
        guard checkpointEvery > 0, warmup >= 0, epochs > 0 else {
            throw ValidationError("--checkpoint-every and --epochs must be positive, --warmup not negative")
        }
        if let steps, steps <= 0 { throw ValidationError("--steps must be positive") }
        if lockImage && config != nil {
            throw ValidationError("--lock-image needs --init: a randomly initialised tower cannot stay frozen usefully")
        }
    }

    func run() async throws {
        runtime.apply()
        let model: TrainableCLIP
        if let config {
            model = try TrainableCLIP(
                config: try CLIPConfig(huggingFaceConfigFile: URL(fileURLWithPath: config)), seed: seed)
        } else {
            let folder = try ModelOptions.location(of: initModel!)
            guard case let .huggingFaceFolder(configURL, weights)? = try? ModelSource.locate(folder) else {
                throw CLIPError.input(
                    file: folder.path,
                    reason: "training starts from Hugging Face layout models "
                        + "(config.json + model.safetensors); this is not one")
            }
            model = try TrainableCLIP(config: try CLIPConfig(huggingFaceConfigFile: configURL), seed: seed)
            try model.loadWeights(from: weights)
        }
        let pairs = try CaptionedImages.load(data, template: template)
        let loader = try BatchLoader(
            data: pairs, batchSize: batchSize, imageSize: model.config.image.imageSize,
            contextLength: model.config.text.contextLength, seed: seed, crop: noCrop ? nil : RandomResizedCrop())
        var settings = TrainingSettings(steps: steps ?? epochs * loader.stepsPerEpoch)
        settings.learningRate = lr
        settings.warmupSteps = warmup
        settings.loss = LossKind(rawValue: loss)!
        settings.lockImage = lockImage
        settings.checkpointEvery = checkpointEvery
        settings.optimizer.weightDecay = weightDecay
        settings.halfPrecisionExport = half
        let params = model.layout.total
        // On stderr with the progress lines, so a log file keeps them in order.
        let header = String(
            format: "training %@ on %d pairs: %d steps of %d (%.1f epochs), %.2fM parameters, %d threads, loss %@%@\n",
            data, pairs.count, settings.steps, batchSize, Double(settings.steps) / Double(loader.stepsPerEpoch),
            Double(params) / 1e6, Parallelism.threads, loss, lockImage ? ", image tower locked" : "")
        FileHandle.standardError.write(Data(header.utf8))
        let trainer = Trainer(model: model, loader: loader, settings: settings, output: URL(fileURLWithPath: output))
        let tty = isatty(2) != 0
        var lastPrinted = Date.distantPast
        try trainer.run(resume: resume) { p in
            let line = String(
                format: "step %d/%d  loss %.4f  lr %.2e  scale %.1f  |g| %.2f  %.0f pairs/s  ETA %d:%02d",
                p.step, p.totalSteps, p.loss, p.learningRate, p.temperature, p.gradientNorm, p.pairsPerSecond,
                Int(p.secondsLeft) / 60, Int(p.secondsLeft) % 60)
            if tty {
                FileHandle.standardError.write(Data(("\r" + line + "   ").utf8))
            } else if Date().timeIntervalSince(lastPrinted) >= 10 || p.step == p.totalSteps {
                FileHandle.standardError.write(Data((line + "\n").utf8))
                lastPrinted = Date()
            }
        }
        if tty { FileHandle.standardError.write(Data("\n".utf8)) }
        for failure in trainer.failures.prefix(20) { print("skipped \(failure.file): \(failure.reason)") }
        print("model, checkpoint, train_log.csv and loss_curve.svg in \(output)")
    }
}
