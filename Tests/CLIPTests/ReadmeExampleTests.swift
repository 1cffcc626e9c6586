import CLIP
import CLIPTestSupport
import Foundation
import XCTest

/// The README's Swift example, run as written on a fixture model, so the documented API stays true.
final class ReadmeExampleTests: XCTestCase {
    func testReadmeExample() throws {
        let model = try CLIPModel.load(from: Fixtures.url("engine/hf_gelu_p14_fp16"), towers: .both)
        let tokens = try Tokenizer.shared().encode(["a photo of a dog", "a photo of a cat"]).map(\.ids)
        let texts = try model.requireText().embed(tokens: tokens)

        let vision = try model.requireVision()
        let embedder = ImageEmbedder(
            vision: vision, preprocessor: ImagePreprocessor(config: PreprocessConfig(size: vision.imageSize)))
        let images = try embedder.embed(files: [Fixtures.url("images/rgb_baseline.jpg").path])
        let logits = model.logits(images: images, texts: texts)

        let classifier = try ZeroShotClassifier(
            text: model.requireText(), tokenizer: Tokenizer.shared(),
            labels: ["dog", "cat"], templates: PromptTemplates.imagenet80,
            logitScale: model.logitScale)
        let best = classifier.top(1, images)[0][0]
        let (probe, _) = try LinearProbe.train(features: images, labels: [0], classes: ["dog", "other"])
        // (The README's ModelResolver line needs the network for a name; a local folder resolves to itself.)
        let folder = try ModelResolver().resolve(Fixtures.url("engine/hf_gelu_p14_fp16").path)

        let fast = try CLIPModel.load(from: folder, towers: .vision, packing: LinearPacking(.auto))
        let sameOrder = try ImageEmbedder(
            vision: fast.requireVision(),
            preprocessor: ImagePreprocessor(config: PreprocessConfig(size: vision.imageSize))
        )
        .embed(files: [Fixtures.url("images/rgb_baseline.jpg").path])
        XCTAssertEqual(fast.precision, Precision.auto.resolved().format.precision)
        var cosine: Float = 0
        for k in 0..<images.count { cosine += images[k] * sameOrder[k] }
        XCTAssertGreaterThan(cosine, 0.99)

        XCTAssertTrue(["dog", "cat"].contains(best.label))
        XCTAssertEqual(probe.predict(images), [0])
        XCTAssertEqual(folder, Fixtures.url("engine/hf_gelu_p14_fp16"))
        XCTAssertEqual(texts.shape, [2, 24])
        XCTAssertEqual(images.shape, [1, 24])
        XCTAssertEqual(logits.count, 1)
        XCTAssertEqual(logits[0].count, 2)
        XCTAssertNotEqual(logits[0][0], logits[0][1])
    }
}
