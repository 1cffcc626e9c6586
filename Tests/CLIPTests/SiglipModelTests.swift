import CLIP
import Foundation
import XCTest

/// A SigLIP folder as the hub has it (config.json, model.safetensors, spiece.model,
/// preprocessor_config.json), through the model-level API every command and the server use.
final class SiglipModelTests: XCTestCase {
    func siglipFolder(preprocessor: Bool = true, tokenizer: Bool = true) throws -> URL {
        let dir = try temporaryDirectory(self)
        let source = Fixtures.url("engine/hf_siglip_tiny")
        for name in ["config.json", "model.safetensors"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: dir.appendingPathComponent(name))
        }
        if tokenizer {
            try FileManager.default.copyItem(at: Fixtures.url("sentencepiece/spiece.model"), to: dir.appendingPathComponent("spiece.model"))
        }
        if preprocessor {
            // What SiglipImageProcessor writes: a fixed height × width, no crop, mean and std 0.5, bicubic.
            try Data(#"{"image_processor_type": "SiglipImageProcessor", "do_resize": true, "size": {"height": 32, "width": 32}, "resample": 3, "do_rescale": true, "rescale_factor": 0.00392156862745098, "do_normalize": true, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5]}"#.utf8)
                .write(to: dir.appendingPathComponent("preprocessor_config.json"))
        }
        return dir
    }

    func testTheFamilysTokenizerAndPreprocessingComeWithTheModel() throws {
        for preprocessor in [true, false] {
            let loaded = try LoadedModel.load(try siglipFolder(preprocessor: preprocessor))
            let ids = try loaded.tokenizer().ids("A photo of a cat.")
            let expected = SiglipTokenizer(sentencePiece: try UnigramTokenizer(contentsOf: Fixtures.url("sentencepiece/spiece.model")), length: 16)
                .encode("A photo of a cat.")
            XCTAssertEqual(ids, expected)
            XCTAssertEqual(ids.count, 16, "padded to the model's text length")
            let config = try loaded.imageEmbedder().preprocessor.config
            XCTAssertEqual(config.resizeMode, .squash)
            XCTAssertEqual(config.size, 32)
            XCTAssertEqual(config.mean, [0.5, 0.5, 0.5])
            XCTAssertEqual(config.std, [0.5, 0.5, 0.5])
        }
        let missing = try siglipFolder(tokenizer: false)
        assertCLIPError([missing.path, "spiece.model"]) { try LoadedModel.load(missing).tokenizer() }
    }

    /// SigLIP scores each label on its own: sigmoid(scale · cos + bias), not a softmax across labels.
    func testZeroShotProbabilitiesAreSigmoids() throws {
        let loaded = try LoadedModel.load(try siglipFolder())
        let model = loaded.model
        let labels = ["cat", "dog", "beach"]
        let classifier = try ZeroShotClassifier(text: model.requireText(), tokenizer: loaded.tokenizer(), labels: labels, templates: ["a photo of a {}."],
                                                logitScale: model.logitScale, logitBias: model.logitBias)
        let images = try model.requireVision().embed(pixels: try Fixtures.floats("engine/hf_siglip_tiny/pixels.npy"))
        let texts = try loaded.embedTexts(labels.map { "a photo of a \($0)." })
        let logits = model.logits(images: images, texts: texts)
        for (p, row) in zip(classifier.probabilities(images), logits) {
            for (probability, logit) in zip(p, row) { XCTAssertEqual(probability, 1 / (1 + expf(-logit)), accuracy: 1e-6) }
            XCTAssertGreaterThan(abs(p.reduce(0, +) - 1), 1e-3, "sigmoids are not normalised across labels")
        }
    }
}

/// SigLIP's own bad inputs: each names what is wrong.
final class SiglipErrorTests: XCTestCase {
    func testTextsOfAnotherLengthAndBadConfigsAreNamed() throws {
        let model = try CLIPModel.load(from: Fixtures.url("engine/hf_siglip_tiny"), towers: .text)
        assertCLIPError(["text 1 has 3 tokens", "padded to one length of at most 16"]) {
            try model.requireText().embed(tokens: [[Int32](repeating: 1, count: 16), [1, 2, 3]])
        }
        func siglip(_ json: String) throws -> CLIPConfig { try CLIPConfig(huggingFaceConfig: Data(json.utf8), source: "config.json") }
        assertCLIPError(["config.json", "vision_config.vision_use_head", "not supported"]) {
            try siglip(#"{"model_type": "siglip", "vision_config": {"vision_use_head": false}}"#)
        }
        assertCLIPError(["text_config.projection_size", "differs from the image tower's width 768"]) {
            try siglip(#"{"model_type": "siglip", "text_config": {"projection_size": 512}}"#)
        }
        assertCLIPError(["text_config.hidden_act", "unsupported activation 'swish'"]) {
            try siglip(#"{"model_type": "siglip", "text_config": {"hidden_act": "swish"}}"#)
        }
        let dir = try temporaryDirectory(self)
        try Data(#"{"size": {"height": 224, "width": 160}}"#.utf8).write(to: dir.appendingPathComponent("preprocessor_config.json"))
        assertCLIPError(["preprocessor_config.json", "size", "only square inputs", "224×160"]) {
            try PreprocessConfig.forModel(folder: dir, imageSize: 224, family: .siglip)
        }
    }
}
