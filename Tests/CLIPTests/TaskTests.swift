import CLIP
import CLIPTestSupport
import Foundation
import XCTest

/// Zero-shot classification, ranking, linear probes and metrics, on a tiny random-weight model (full CLIP
/// vocabulary, 24-d embeddings) and generated image families (tools/make_task_fixtures.py).
final class TaskTests: XCTestCase {
    static let model = Fixtures.url("engine/hf_gelu_p14_fp16")
    static let tasks = Fixtures.url("tasks").path

    func load() throws -> (CLIPModel, Tokenizer) {
        (try CLIPModel.load(from: Self.model, towers: .both), try Tokenizer.forModel(at: Self.model))
    }

    func embedder(_ model: CLIPModel) throws -> ImageEmbedder {
        let vision = try model.requireVision()
        return ImageEmbedder(
            vision: vision, preprocessor: ImagePreprocessor(config: PreprocessConfig(size: vision.imageSize)))
    }

    func testPromptEnsembleIsTheRenormalisedMeanOfTemplateEmbeddings() throws {
        let (model, tokenizer) = try load()
        let text = try model.requireText()
        let labels = ["cat", "golden retriever", "car"], templates = Array(PromptTemplates.imagenet80.prefix(7))
        let classifier = try ZeroShotClassifier(
            text: text, tokenizer: tokenizer, labels: labels, templates: templates,
            logitScale: model.logitScale, batchSize: 5)
        for (c, label) in labels.enumerated() {
            let prompts = templates.map { PromptTemplates.fill($0, with: label) }
            let each = try text.embed(tokens: prompts.map { tokenizer.encode($0).ids })
            var mean = [Float](repeating: 0, count: text.embedDim)
            for r in 0..<prompts.count { for (k, v) in each.row(r).enumerated() { mean[k] += v } }
            let norm = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
            for (a, b) in zip(classifier.classEmbeddings.row(c), mean) {
                XCTAssertEqual(a, b / norm, accuracy: 1e-6, label)
            }
        }
        let images = try embedder(model).embed(files: try ImageFiles.collect([Self.tasks + "/circles"]))
        for (p, top) in zip(classifier.probabilities(images), classifier.top(2, images)) {
            XCTAssertEqual(p.reduce(0, +), 1, accuracy: 1e-5)
            XCTAssertEqual(top.map(\.index), Array(p.indices.sorted { p[$0] > p[$1] }.prefix(2)))
            XCTAssertEqual(top[0].probability, p.max()!)
        }
    }

    func testShippedImageNetMetadata() throws {
        XCTAssertEqual(PromptTemplates.imagenet80.count, 80)
        XCTAssertEqual(PromptTemplates.imagenetClassNames.count, 1000)
        XCTAssertTrue(PromptTemplates.imagenet80.allSatisfy { $0.contains("{}") })
        XCTAssertEqual(PromptTemplates.imagenetClassNames.first, "tench")
        XCTAssertEqual(try PromptTemplates.named("a sketch of a {}"), ["a sketch of a {}"])
        XCTAssertThrowsError(try PromptTemplates.named("no placeholder"))
    }

    func testLinearProbeSeparatesTwoGeneratedFamiliesOnHeldOutImages() throws {
        let (model, _) = try load()
        let set = try LabeledImages.load(Self.tasks)
        XCTAssertEqual(set.classes, ["circles", "stripes"])
        let features = try embedder(model).embed(files: set.files)
        let (train, heldOut) = set.split(heldOutFraction: 0.5)
        XCTAssertEqual(heldOut.count, 12)
        XCTAssertTrue(Set(train).isDisjoint(with: heldOut))
        func rows(_ r: [Int]) -> Tensor {
            Tensor(shape: [r.count, features.shape[1]], values: r.flatMap { features.row($0) })
        }
        let (probe, report) = try LinearProbe.train(
            features: rows(train), labels: train.map { set.labels[$0] }, classes: set.classes)
        XCTAssertTrue(report.converged)
        XCTAssertEqual(
            probe.predict(rows(heldOut)), heldOut.map { set.labels[$0] },
            "held-out images of each family classified correctly")

        // The solution is the regularised optimum: the gradient of the objective vanishes there.
        let x = rows(train), labels = train.map { set.labels[$0] }, c: Float = 0.316
        let p = probe.probabilities(x)
        for j in 0..<2 {
            for t in 0..<features.shape[1] {
                var g = probe.weights.row(j)[t] / c
                for i in 0..<x.shape[0] { g += (p[i][j] - (labels[i] == j ? 1 : 0)) * x.row(i)[t] }
                XCTAssertEqual(g, 0, accuracy: 2e-3)
            }
        }
        let url = try temporaryDirectory(self).appendingPathComponent("probe.safetensors")
        try probe.save(to: url)
        let reloaded = try LinearProbe.load(from: url)
        XCTAssertEqual(reloaded.classes, probe.classes)
        XCTAssertEqual(reloaded.probabilities(x), p)
    }

    func testPromptRankingScoresAndThreshold() throws {
        let images = Tensor(shape: [3, 2], values: [1, 0, 0.6, 0.8, 0, 1])
        let plain = PromptRanking(prompt: [1, 0], logitScale: 100)
        XCTAssertEqual(plain.ranked(images).map(\.index), [0, 1, 2])
        XCTAssertEqual(plain.ranked(images, threshold: 0.5).map(\.index), [0, 1])
        let versus = PromptRanking(prompt: [1, 0], versus: [0, 1], logitScale: 10)
        let s = versus.scores(images)
        XCTAssertEqual(s[0], 1 / (1 + expf(-10)), accuracy: 1e-6)
        XCTAssertEqual(s[1], 1 / (1 + expf(-10 * (0.6 - 0.8))), accuracy: 1e-6)
        XCTAssertEqual([plain.scoring, versus.scoring], [.cosine, .versus])
        // SigLIP: each image's own sigmoid, σ(scale · cos + bias); the order stays the cosine's, and a
        // threshold of 0.5 keeps what the model calls a match.
        let siglip = PromptRanking(prompt: [1, 0], logitScale: 10, logitBias: -7)
        XCTAssertEqual(siglip.scoring, .sigmoid)
        let p = siglip.scores(images)
        for (score, cosine) in zip(p, [Float(1), 0.6, 0]) {
            XCTAssertEqual(score, 1 / (1 + expf(-(10 * cosine - 7))), accuracy: 1e-6)
        }
        XCTAssertEqual(siglip.ranked(images).map(\.index), [0, 1, 2])
        XCTAssertEqual(siglip.ranked(images, threshold: 0.5).map(\.index), [0], "σ(3) passes, σ(−1) does not")
        // With an opposing prompt the bias is common to both logits and cancels.
        let siglipVersus = PromptRanking(prompt: [1, 0], versus: [0, 1], logitScale: 10, logitBias: -7)
        XCTAssertEqual(siglipVersus.scores(images), s)
    }

    func testAccuracyAndRetrievalRecall() {
        let scores: [[Float]] = [[0.9, 0.1, 0, 0, 0, 0], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [0, 0, 1, 0, 0, 0]]
        let a = Evaluation.accuracy(scores: scores, labels: [0, 0, 2], classCount: 6)
        XCTAssertEqual(a.top1, 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(a.top5, 2.0 / 3, accuracy: 1e-12)  // label 0 is last of 6 for the second row
        XCTAssertEqual(a.perClass[0].correct, 1)
        XCTAssertEqual(a.perClass[0].count, 2)
        // Three images on the axes; captions 0 and 1 belong to image 0; caption 2 belongs to image 1 but is
        // closest to image 2. Image 2 has no caption, so image→text can never hit for it.
        let images = Tensor(shape: [3, 3], values: [1, 0, 0, 0, 1, 0, 0, 0, 1])
        let captions = Tensor(shape: [3, 3], values: [1, 0, 0, 0.9, 0.1, 0, 0, 0.2, 0.9])
        let r = Evaluation.retrievalRecall(images: images, captions: captions, owner: [0, 0, 1], ks: [1, 2])
        XCTAssertEqual(r.textToImage[1]!, 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(r.textToImage[2]!, 1, accuracy: 1e-12)
        XCTAssertEqual(r.imageToText[1]!, 2.0 / 3, accuracy: 1e-12)  // image 0 → caption 0, image 1 → caption 2
        XCTAssertEqual(r.imageToText[2]!, 2.0 / 3, accuracy: 1e-12)
    }

    func testBadProbeFilesAndLabelSetsAreClearErrors() throws {
        let dir = try temporaryDirectory(self)
        let notAProbe = Fixtures.url("engine/hf_gelu_p14_fp16/model.safetensors")
        XCTAssertThrowsError(try LinearProbe.load(from: notAProbe)) { error in
            XCTAssertTrue("\(error)".contains("not a linear probe"), "\(error)")
        }
        try Data("circles/00.png\tcircle\nno tab here\n".utf8).write(to: dir.appendingPathComponent("labels.tsv"))
        XCTAssertThrowsError(try LabeledImages.load(dir.path)) { error in
            XCTAssertTrue("\(error)".contains("line 2: expected path<TAB>class"), "\(error)")
        }
        try Data("a.png\tcircle\nb.png\tcircle\n".utf8).write(to: dir.appendingPathComponent("labels.tsv"))
        XCTAssertThrowsError(try LabeledImages.load(dir.path)) { error in
            XCTAssertTrue("\(error)".contains("needs at least two classes, found 1"), "\(error)")
        }
    }

    /// `eval zeroshot --classes`: the data's labels are re-indexed into the candidate list, which must hold them all.
    func testCandidateClassesRelabelOrRefuse() throws {
        let set = LabeledImages(classes: ["circle", "square"], files: ["a", "b", "c"], labels: [1, 0, 1])
        let wider = try set.relabeled(candidates: ["triangle", "square", "circle"], source: "classes.txt")
        XCTAssertEqual(wider.classes, ["triangle", "square", "circle"])
        XCTAssertEqual(wider.labels, [1, 2, 1])
        XCTAssertThrowsError(try set.relabeled(candidates: ["square", "triangle"], source: "classes.txt")) { error in
            XCTAssertTrue(
                "\(error)".contains("classes.txt")
                    && "\(error)".contains("'circle' is not among the candidate classes"), "\(error)")
        }
        XCTAssertThrowsError(try set.relabeled(candidates: ["circle"], source: "classes.txt")) { error in
            XCTAssertTrue("\(error)".contains("needs at least two class names"), "\(error)")
        }
    }

    /// `--templates FILE`: one template per line, each with {}.
    func testTemplateFiles() throws {
        let dir = try temporaryDirectory(self)
        let file = dir.appendingPathComponent("templates.txt")
        try Data("a photo of a {}.\n\na drawing of a {}\n".utf8).write(to: file)
        XCTAssertEqual(try PromptTemplates.named(file.path), ["a photo of a {}.", "a drawing of a {}"])
        try Data("a photo of a {}.\nno placeholder here\n".utf8).write(to: file)
        XCTAssertThrowsError(try PromptTemplates.named(file.path)) { error in
            XCTAssertTrue(
                "\(error)".contains(file.path) && "\(error)".contains("'no placeholder here' has no {}"), "\(error)")
        }
        try Data("\n  \n".utf8).write(to: file)
        XCTAssertThrowsError(try PromptTemplates.named(file.path)) { error in
            XCTAssertTrue("\(error)".contains("no templates in the file"), "\(error)")
        }
    }
}
