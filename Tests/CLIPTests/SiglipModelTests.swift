import CLIP
import CLIPTestSupport
import Foundation
import XCTest

/// A SigLIP folder as the hub has it (config.json, model.safetensors, spiece.model,
/// preprocessor_config.json), through the model-level API every command and the server use.
final class SiglipModelTests: XCTestCase {
    func siglipFolder(preprocessor: Bool = true, tokenizer: Bool = true) throws -> URL {
        let dir = try temporaryDirectory(self)
        let source = Fixtures.url("engine/hf_siglip_tiny")
        for name in ["config.json", "model.safetensors"] {
            try FileManager.default.copyItem(
                at: source.appendingPathComponent(name), to: dir.appendingPathComponent(name))
        }
        if tokenizer {
            try FileManager.default.copyItem(
                at: Fixtures.url("sentencepiece/spiece.model"), to: dir.appendingPathComponent("spiece.model"))
        }
        if preprocessor {
            // What SiglipImageProcessor writes: a fixed height × width, no crop, mean and std 0.5, bicubic.
            try Data(
                #"""
                {"image_processor_type": "SiglipImageProcessor", "do_resize": true, "size": {"height": 32, \#
                "width": 32}, "resample": 3, "do_rescale": true, "rescale_factor": 0.00392156862745098, \#
                "do_normalize": true, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5]}
                """#
                .utf8
            )
            .write(to: dir.appendingPathComponent("preprocessor_config.json"))
        }
        return dir
    }

    func testTheFamilysTokenizerAndPreprocessingComeWithTheModel() throws {
        for preprocessor in [true, false] {
            let loaded = try LoadedModel.load(try siglipFolder(preprocessor: preprocessor))
            let ids = try loaded.tokenizer().ids("A photo of a cat.")
            let expected = SiglipTokenizer(
                sentencePiece: try SentencePieceTokenizer(contentsOf: Fixtures.url("sentencepiece/spiece.model")),
                length: 16
            )
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
        let classifier = try ZeroShotClassifier(
            text: model.requireText(), tokenizer: loaded.tokenizer(), labels: labels, templates: ["a photo of a {}."],
            logitScale: model.logitScale, logitBias: model.logitBias)
        let images = try model.requireVision().embed(pixels: try Fixtures.floats("engine/hf_siglip_tiny/pixels.npy"))
        let texts = try loaded.embedTexts(labels.map { "a photo of a \($0)." })
        let logits = model.logits(images: images, texts: texts)
        for (p, row) in zip(classifier.probabilities(images), logits) {
            for (probability, logit) in zip(p, row) {
                XCTAssertEqual(probability, 1 / (1 + expf(-logit)), accuracy: 1e-6)
            }
            XCTAssertGreaterThan(abs(p.reduce(0, +) - 1), 1e-3, "sigmoids are not normalised across labels")
        }
    }
}

/// The SigLIP names SwiftCLIP knows, against open_clip's own models of those names
/// (`siglip_architectures.json`, written by tools/make_siglip_fixtures.py on the meta device): each
/// name's timm tower and text tower give open_clip's parameter counts exactly.
final class SiglipArchitectureTests: XCTestCase {
    func testEachKnownNameHasOpenCLIPsShapeAndAHubRepository() throws {
        let table =
            try JSONSerialization.jsonObject(with: Data(contentsOf: Fixtures.url("engine/siglip_architectures.json")))
            as! [String: [String: Int]]
        XCTAssertEqual(table.count, 8)
        for (name, expected) in table {
            let config = try CLIPConfig(openCLIPModelName: name)
            let cost = ModelCost(config)
            XCTAssertEqual(cost.imageParameters, expected["image_parameters"], name)
            XCTAssertEqual(cost.textParameters, expected["text_parameters"], name)
            XCTAssertEqual(config.image.imageSize, expected["image_size"], name)
            XCTAssertEqual(config.text.contextLength, expected["context_length"], name)
            let entry = try XCTUnwrap(KnownModels.entry(for: name), name)
            XCTAssertEqual(entry.repo, "timm/" + name)
            XCTAssertEqual(entry.resizeMode, .squash, name)
            XCTAssertEqual(try entry.config, config)
        }
        // Activations follow timm's towers and open_clip's text configs: exact GELU for SigLIP 1, GELU's
        // tanh approximation in SigLIP 2's text tower and in the SigLIP 2-era timm towers (B/32 at 256 px).
        func activations(_ name: String) throws -> [Activation?] {
            let c = try CLIPConfig(openCLIPModelName: name)
            guard case let .siglip(v) = c.image else { return [nil] }
            return [v.transformer.activation, c.text.transformer.activation]
        }
        XCTAssertEqual(try activations("ViT-B-16-SigLIP"), [.gelu, .gelu])
        XCTAssertEqual(try activations("ViT-B-16-SigLIP2"), [.gelu, .geluTanh])
        XCTAssertEqual(try activations("ViT-B-32-SigLIP2-256"), [.geluTanh, .geluTanh])
        XCTAssertEqual(try CLIPConfig(openCLIPModelName: "ViT-SO400M-14-SigLIP").text.contextLength, 16)
    }

    func testOpenCLIPConfigsOutsideWhatSigLIPIsAreNamed() throws {
        func decode(
            _ vision: String,
            _ text: String =
                #""no_causal_mask": true, "pool_type": "last", "proj_bias": true, "width": 768, "heads": 12"#
        ) throws -> CLIPConfig {
            try CLIPConfig(
                openCLIPConfig: Data(#"{"embed_dim": 768, "vision_cfg": {\#(vision)}, "text_cfg": {\#(text)}}"#.utf8),
                source: "cfg.json")
        }
        let tower = #""timm_model_name": "vit_base_patch16_siglip_224", "timm_pool": "map", "timm_proj": "none""#
        XCTAssertNoThrow(try decode(tower))
        XCTAssertNoThrow(
            try decode(
                #""timm_model_name": "vit_base_patch16_siglip_224.webli", "timm_pool": "map", "timm_proj": "none""#))
        assertCLIPError(["cfg.json", "vision_cfg.timm_model_name", "'convnext_base' is not a timm tower"]) {
            try decode(#""timm_model_name": "convnext_base", "timm_pool": "map", "timm_proj": "none""#)
        }
        assertCLIPError(["vision_cfg.timm_pool", "'avg'"]) {
            try decode(#""timm_model_name": "vit_base_patch16_siglip_224", "timm_proj": "none""#)
        }
        assertCLIPError(["vision_cfg.timm_proj", "'linear'"]) {
            try decode(#""timm_model_name": "vit_base_patch16_siglip_224", "timm_pool": "map""#)
        }
        assertCLIPError(["text_cfg.pool_type", "'argmax'"]) {
            try decode(tower, #""no_causal_mask": true, "proj_bias": true, "width": 768, "heads": 12"#)
        }
        assertCLIPError(["text_cfg.act_kwargs.approximate", "'sigmoid'"]) {
            try decode(
                tower,
                #"""
                "no_causal_mask": true, "pool_type": "last", "proj_bias": true, "width": 768, "heads": 12, \#
                "act_kwargs": {"approximate": "sigmoid"}
                """#
            )
        }
        assertCLIPError(["embed_dim", "differs from the image tower's width 1024"]) {
            try decode(#""timm_model_name": "vit_large_patch16_siglip_384", "timm_pool": "map", "timm_proj": "none""#)
        }
        assertCLIPError(["text_cfg.no_causal_mask", "SigLIP's timm image towers only"]) {
            try decode(#""width": 768, "layers": 12, "patch_size": 16"#)
        }
    }
}

/// open_clip's SigLIP folder, as the hub's timm/ViT-B-16-SigLIP* repositories hold it (what Immich
/// downloads): open_clip_config.json naming a timm tower, the weights, and the tokenizer.json of its T5
/// vocabulary. The folder alone gives the model, open_clip's text clean-up and padding, and SigLIP's squash
/// preprocessing with mean and std 0.5.
final class SiglipOpenCLIPFolderTests: XCTestCase {
    func testTheFolderAloneGivesModelTokenizerAndPreprocessing() throws {
        let dir = try temporaryDirectory(self)
        for name in ["open_clip_config.json", "open_clip_model.safetensors"] {
            try FileManager.default.copyItem(
                at: Fixtures.url("engine/openclip_siglip_tiny/\(name)"), to: dir.appendingPathComponent(name))
        }
        for name in ["tokenizer.json", "tokenizer_config.json"] {
            try FileManager.default.copyItem(
                at: Fixtures.url("sentencepiece/\(name)"), to: dir.appendingPathComponent(name))
        }
        let loaded = try LoadedModel.load(dir)
        let tokenizer = try XCTUnwrap(try loaded.tokenizer() as? SiglipTokenizer)
        XCTAssertEqual(tokenizer.cleanup, .openCLIP)
        XCTAssertEqual(tokenizer.length, 16)
        let ids = tokenizer.encode("A_photo of a CAT!")
        XCTAssertEqual(
            ids, tokenizer.encode("a photo of a cat"),
            "open_clip's canonical form: '_' is a space, punctuation and case dropped")
        XCTAssertEqual(ids.last, 1, "padded with </s>")
        let texts = try loaded.embedTexts(["A_photo of a CAT!", "a photo of a cat"])
        XCTAssertEqual(texts.row(0), texts.row(1))
        let config = try loaded.imageEmbedder().preprocessor.config
        XCTAssertEqual(config.resizeMode, .squash)
        XCTAssertEqual(config.size, 32)
        XCTAssertEqual(config.mean, [0.5, 0.5, 0.5])
        XCTAssertEqual(config.std, [0.5, 0.5, 0.5])
    }
}

/// SigLIP's own bad inputs: each names what is wrong.
final class SiglipErrorTests: XCTestCase {
    func testTextsOfAnotherLengthAndBadConfigsAreNamed() throws {
        let model = try CLIPModel.load(from: Fixtures.url("engine/hf_siglip_tiny"), towers: .text)
        assertCLIPError(["text 1 has 3 tokens", "padded to one length of at most 16"]) {
            try model.requireText().embed(tokens: [[Int32](repeating: 1, count: 16), [1, 2, 3]])
        }
        func siglip(_ json: String) throws -> CLIPConfig {
            try CLIPConfig(huggingFaceConfig: Data(json.utf8), source: "config.json")
        }
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
        try Data(#"{"size": {"height": 224, "width": 160}}"#.utf8).write(
            to: dir.appendingPathComponent("preprocessor_config.json"))
        assertCLIPError(["preprocessor_config.json", "size", "only square inputs", "224×160"]) {
            try PreprocessConfig.forModel(folder: dir, imageSize: 224, family: .siglip)
        }
    }
}
