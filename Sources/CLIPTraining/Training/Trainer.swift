import CLIP
import Foundation

public struct TrainingSettings: Sendable, Equatable {
    public var steps: Int
    public var learningRate: Float = 5e-4
    public var warmupSteps: Int = 100
    public var loss: LossKind = .clip
    /// LiT: the image tower stays as initialised (no backward pass, no updates).
    public var lockImage = false
    public var checkpointEvery = 200
    public var optimizer = AdamW.Settings()
    /// Write the exported model in fp16.
    public var halfPrecisionExport = false

    public init(steps: Int) { self.steps = steps }

    /// What must not change between a run and its resumption.
    var key: String {
        "steps=\(steps) lr=\(learningRate) warmup=\(warmupSteps) loss=\(loss.rawValue) lock=\(lockImage) "
            + "wd=\(optimizer.weightDecay) "
                + """
                betas=\(optimizer.beta1),\(optimizer.beta2) eps=\(optimizer.epsilon) \
                clip=\(optimizer.maxGradientNorm.map { "\($0)" } ?? "none")
                """
    }
}

/// What the trainer reports after every step.
public struct TrainingProgress: Sendable {
    public let step: Int  // completed steps
    public let totalSteps: Int
    public let loss: Float
    public let learningRate: Float
    public let temperature: Float  // exp(logit_scale)
    public let gradientNorm: Float
    public let pairsPerSecond: Double
    public let secondsLeft: Double
    public let skippedImages: Int
}

/// Runs contrastive training: batches from a `BatchLoader`, forward/backward on a `TrainableCLIP`, AdamW
/// with warm-up + cosine. Writes into the output folder, every `checkpointEvery` steps and at the end: the
/// checkpoint, the model in HF layout, `train_log.csv` (one row per step) and `loss_curve.svg`.
public final class Trainer {
    public let model: TrainableCLIP
    public let loader: BatchLoader
    public let settings: TrainingSettings
    public let output: URL
    public let optimizer: AdamW
    private let schedule: LearningRateSchedule
    private var logRows: [(step: Int, row: String, loss: Float)] = []
    public private(set) var failures: [(file: String, reason: String)] = []
    private var lastSavedStep = 0

    public init(model: TrainableCLIP, loader: BatchLoader, settings: TrainingSettings, output: URL) {
        self.model = model
        self.loader = loader
        self.settings = settings
        self.output = output
        let locked = settings.lockImage
        optimizer = AdamW(layout: model.layout, settings: settings.optimizer) { slot in
            (locked && slot.isImageTower)
                || (settings.loss == .clip && slot.name == "logit_bias")
        }
        schedule = LearningRateSchedule(
            baseRate: settings.learningRate, warmupSteps: settings.warmupSteps, totalSteps: settings.steps)
    }

    static let logHeader =
        "step,epoch,loss,learning_rate,logit_scale,temperature,gradient_norm,pairs_per_second,elapsed_seconds"

    /// Trains to `settings.steps`. With `resume`, continues from the checkpoint in the output folder and keeps
    /// the log rows up to it. A non-finite loss or gradient stops the run with an error; the last checkpoint
    /// (from before it) stays as it was.
    ///
    /// `stopAfter` ends the run after that many steps of the schedule (saving there), to continue later with
    /// `resume` — a time-boxed run takes the same path as a killed one.
    public func run(resume: Bool, stopAfter: Int? = nil, report: (TrainingProgress) -> Void = { _ in }) throws {
        try FileOutput.createFolder(output)
        var start = 0
        if resume {
            start = try TrainingCheckpoint.load(
                into: model, optimizer: optimizer, settingsKey: settings.key, from: output)
            logRows = try readLog().filter { $0.step <= start }
        } else if settings.loss == .siglip {
            // SigLIP's initialisation: t = log 10, b = −10 (the issue's and the paper's values).
            model.logitScale = log(10)
            model.logitBias = -10
        }
        let began = Date()
        lastSavedStep = start
        let end = min(settings.steps, stopAfter ?? settings.steps)
        for step in start..<end {
            let batch = try loader.batch(step: step)
            failures += batch.failures
            guard batch.count >= 2 else { continue }
            let result = model.lossAndGradients(
                pixels: batch.pixels, tokens: batch.tokens, loss: settings.loss,
                trainImageTower: !settings.lockImage)
            let lr = schedule.rate(at: step)
            guard result.loss.isFinite else { throw diverged(step: step, what: "loss") }
            let norm = optimizer.update(model.parameters, gradients: model.gradients, lr: lr)
            guard norm.isFinite else { throw diverged(step: step, what: "gradient norm") }
            model.clampLogitScale()
            let done = step + 1, elapsed = Date().timeIntervalSince(began)
            let rate = Double((done - start) * loader.batchSize) / max(elapsed, 1e-9)
            let epoch = Double(step) / Double(loader.stepsPerEpoch)
            logRows.append(
                (
                    done,
                    String(
                        format: "%d,%.4f,%.6f,%.6g,%.5f,%.4f,%.5f,%.2f,%.1f", done, epoch, result.loss, lr,
                        model.logitScale,
                        exp(model.logitScale), norm, rate, elapsed), result.loss
                ))
            report(
                TrainingProgress(
                    step: done, totalSteps: settings.steps, loss: result.loss, learningRate: lr,
                    temperature: exp(model.logitScale), gradientNorm: norm, pairsPerSecond: rate,
                    secondsLeft: Double(settings.steps - done) * Double(loader.batchSize) / max(rate, 1e-9),
                    skippedImages: failures.count))
            if done % settings.checkpointEvery == 0 || done == end {
                try save(step: done)
                lastSavedStep = done
            }
        }
        if start >= settings.steps { try save(step: start) }
    }

    private func diverged(step: Int, what: String) -> CLIPError {
        let kept =
            lastSavedStep > 0 ? "the checkpoint of step \(lastSavedStep) is kept" : "no checkpoint was written yet"
        return CLIPError.invalidArgument(
            """
            training diverged: the \(what) became NaN or infinite at step \(step + 1); \(kept) in \(output.path). \
            Lower --lr or raise --warmup, then --resume.
            """
        )
    }

    private func save(step: Int) throws {
        // A step can leave finite but absurd weights that only the next forward turns into NaN; a weight
        // that is already non-finite must never replace the last good checkpoint.
        if model.parameters.buffer.contains(where: { !$0.isFinite }) {
            throw diverged(step: step - 1, what: "weights")
        }
        try TrainingCheckpoint.save(model, optimizer: optimizer, step: step, settingsKey: settings.key, to: output)
        try model.saveHuggingFace(to: output, half: settings.halfPrecisionExport, loss: settings.loss)
        let csv = ([Self.logHeader] + logRows.map(\.row)).joined(separator: "\n") + "\n"
        try FileOutput.write(csv, to: output.appendingPathComponent("train_log.csv"))
        try FileOutput.write(
            LossCurve.svg(
                steps: logRows.map(\.step), losses: logRows.map(\.loss), title: "\(settings.loss.rawValue) loss"),
            to: output.appendingPathComponent("loss_curve.svg"))
    }

    private func readLog() throws -> [(step: Int, row: String, loss: Float)] {
        let url = output.appendingPathComponent("train_log.csv")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: ",")
            guard fields.count >= 3, let step = Int(fields[0]), let loss = Float(fields[2]) else { return nil }
            return (step, String(line), loss)
        }
    }
}
