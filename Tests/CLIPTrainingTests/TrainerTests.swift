import CLIP
import CLIPTestSupport
import CLIPTraining
import XCTest

final class TrainerTests: XCTestCase {
    /// A small two-tower model over the real vocabulary (the trainer tokenizes real captions).
    static let config = CLIPConfig(
        vision: VisionConfig(
            transformer: TransformerConfig(width: 32, layers: 1, heads: 2, mlpWidth: 64, activation: .quickGELU),
            imageSize: 32, patchSize: 8),
        text: TextConfig(
            transformer: TransformerConfig(width: 32, layers: 1, heads: 2, mlpWidth: 64, activation: .quickGELU),
            contextLength: 24, vocabSize: 49408),
        embedDim: 16)

    func synthetic(_ count: Int) throws -> URL {
        let folder = try temporaryDirectory(self)
        try SyntheticDataset.write(to: folder, trainCount: count, heldOutCount: 0, imageSize: 32, seed: 3)
        return folder.appendingPathComponent("train")
    }

    func trainer(data: URL, output: URL, steps: Int, batch: Int = 4, lr: Float = 1e-3, every: Int = 4) throws -> Trainer
    {
        let pairs = try CaptionedImages.load(data.path)
        let loader = try BatchLoader(data: pairs, batchSize: batch, imageSize: 32, contextLength: 24, seed: 7)
        var settings = TrainingSettings(steps: steps)
        settings.learningRate = lr
        settings.warmupSteps = 2
        settings.checkpointEvery = every
        return Trainer(
            model: try TrainableCLIP(config: Self.config, seed: 1), loader: loader, settings: settings, output: output)
    }

    func losses(_ folder: URL) throws -> [String] {
        try String(contentsOf: folder.appendingPathComponent("train_log.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { String($0.split(separator: ",")[2]) }
    }

    /// Stopped after 4 of 8 steps and resumed, a run retraces the uninterrupted one exactly: the same loss
    /// at every step and the same final weights.
    func testResumeRetracesTheUninterruptedRun() throws {
        let data = try synthetic(24)
        let straight = try temporaryDirectory(self), split = try temporaryDirectory(self)
        let a = try trainer(data: data, output: straight, steps: 8)
        try a.run(resume: false)
        try trainer(data: data, output: split, steps: 8).run(resume: false, stopAfter: 4)
        XCTAssertEqual(try losses(split).count, 4)
        let b = try trainer(data: data, output: split, steps: 8)
        try b.run(resume: true)
        XCTAssertEqual(try losses(split), try losses(straight))
        XCTAssertEqual(try losses(straight).count, 8)
        XCTAssertEqual(Array(b.model.parameters.buffer), Array(a.model.parameters.buffer))
        for file in ["config.json", "model.safetensors", "checkpoint.safetensors", "loss_curve.svg", "vocab.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: split.appendingPathComponent(file).path), file)
        }
        // The saved model loads in the engine.
        XCTAssertEqual(try CLIPModel.load(from: split).config, Self.config)
    }

    /// Eight pairs in one batch, trained repeatedly: the loss must fall to under half of chance (ln 8 ≈ 2.08).
    func testTrainingFitsABatch() throws {
        let data = try synthetic(8)
        let output = try temporaryDirectory(self)
        let t = try trainer(data: data, output: output, steps: 60, batch: 8, lr: 3e-3, every: 60)
        var last: Float = .infinity, first: Float = .nan
        try t.run(resume: false) { p in
            if p.step == 1 { first = p.loss }
            last = p.loss
        }
        XCTAssertGreaterThan(first, 1.5)
        XCTAssertLessThan(last, 1.0, "loss after 60 steps on one batch (first \(first))")
    }

    func testDivergenceStopsAndKeepsTheLastCheckpoint() throws {
        let data = try synthetic(8)
        let output = try temporaryDirectory(self)
        let t = try trainer(data: data, output: output, steps: 20, batch: 4, lr: 1e30, every: 1)
        XCTAssertThrowsError(try t.run(resume: false)) { error in
            XCTAssertTrue("\(error)".contains("training diverged"), "\(error)")
            XCTAssertTrue("\(error)".contains("is kept in"), "\(error)")
        }
        let checkpoint = try SafeTensorsFile(path: output.appendingPathComponent("checkpoint.safetensors").path)
        let saved = Int(checkpoint.metadata["step"] ?? "") ?? -1
        XCTAssertGreaterThanOrEqual(saved, 1)
        XCTAssertLessThan(saved, 20)
        XCTAssertTrue(
            try checkpoint.floats("parameters").scalars.allSatisfy(\.isFinite), "the kept checkpoint has finite weights"
        )
    }

    func testResumeErrors() throws {
        let data = try synthetic(8)
        let output = try temporaryDirectory(self)
        XCTAssertThrowsError(try trainer(data: data, output: output, steps: 4).run(resume: true)) {
            XCTAssertTrue("\($0)".contains("no checkpoint to resume from"), "\($0)")
        }
        try Data("not a checkpoint at all".utf8).write(to: output.appendingPathComponent("checkpoint.safetensors"))
        XCTAssertThrowsError(try trainer(data: data, output: output, steps: 4).run(resume: true)) {
            XCTAssertTrue("\($0)".contains("damaged"), "\($0)")
        }
        try trainer(data: data, output: output, steps: 4).run(resume: false, stopAfter: 2)
        XCTAssertThrowsError(try trainer(data: data, output: output, steps: 4, lr: 5e-4).run(resume: true)) {
            XCTAssertTrue("\($0)".contains("different training settings"), "\($0)")
        }
    }

    func testBatchOfOneIsRefused() throws {
        let pairs = try CaptionedImages.load(try synthetic(4).path)
        XCTAssertThrowsError(try BatchLoader(data: pairs, batchSize: 1, imageSize: 32, contextLength: 24, seed: 0)) {
            XCTAssertTrue("\($0)".contains("at least 2"), "\($0)")
        }
    }

    func testCaptionFilesWithMissingImagesOrEmptyCaptions() throws {
        let folder = try temporaryDirectory(self)
        let png = try PNGEncoder.encode(
            PixelImage(width: 4, height: 4, mode: .rgb, pixels: [UInt8](repeating: 9, count: 48)))
        try png.write(to: folder.appendingPathComponent("a.png"))
        try png.write(to: folder.appendingPathComponent("b.png"))
        let tsv = folder.appendingPathComponent("captions.tsv")
        try "a.png\ta cat\nmissing.png\ta dog\n".write(to: tsv, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try CaptionedImages.load(folder.path)) {
            XCTAssertTrue(
                "\($0)".contains("line 2") && "\($0)".contains("missing.png") && "\($0)".contains("does not exist"),
                "\($0)")
        }
        try "a.png\ta cat\nb.png\t  \n".write(to: tsv, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try CaptionedImages.load(folder.path)) {
            XCTAssertTrue("\($0)".contains("line 2") && "\($0)".contains("empty caption"), "\($0)")
        }
        try "a.png\ta cat\nb.png\ta dog\n".write(to: tsv, atomically: true, encoding: .utf8)
        XCTAssertEqual(try CaptionedImages.load(folder.path).captions, ["a cat", "a dog"])
        try FileManager.default.removeItem(at: tsv)
        try "{\"image\": \"a.png\", \"caption\": \"a cat\"}\n{\"image\": \"b.png\"}\n".write(
            to: folder.appendingPathComponent("captions.jsonl"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try CaptionedImages.load(folder.path)) {
            XCTAssertTrue("\($0)".contains("line 2") && "\($0)".contains("caption"), "\($0)")
        }
    }

    func testClassSubfoldersAreCaptionedByTheTemplate() throws {
        let folder = try temporaryDirectory(self)
        let png = try PNGEncoder.encode(
            PixelImage(width: 4, height: 4, mode: .rgb, pixels: [UInt8](repeating: 9, count: 48)))
        for label in ["red_apple", "pear"] {
            try FileManager.default.createDirectory(
                at: folder.appendingPathComponent(label), withIntermediateDirectories: true)
            try png.write(to: folder.appendingPathComponent("\(label)/1.png"))
        }
        let pairs = try CaptionedImages.load(folder.path, template: "a photo of a {}.")
        XCTAssertEqual(pairs.captions.sorted(), ["a photo of a pear.", "a photo of a red apple."])
    }
}
