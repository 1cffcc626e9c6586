import CLIP
import CLIPTestSupport
import Foundation
import XCTest

/// Configs decode from each format's own files with each format's defaults.
final class ModelConfigTests: XCTestCase {
    func testBuiltInArchitectures() throws {
        // name: (image size, patch, vision width/layers/heads, text width/layers/heads, embed dim, tokens)
        let expected: [String: [Int]] = [
            "ViT-B-32": [224, 32, 768, 12, 12, 512, 12, 8, 512, 50],
            "ViT-B-16": [224, 16, 768, 12, 12, 512, 12, 8, 512, 197],
            "ViT-L-14": [224, 14, 1024, 24, 16, 768, 12, 12, 768, 257],
            "ViT-L-14-336": [336, 14, 1024, 24, 16, 768, 12, 12, 768, 577],
            "ViT-H-14": [224, 14, 1280, 32, 16, 1024, 24, 16, 1024, 257]
        ]
        for (name, e) in expected {
            let c = try CLIPConfig(openCLIPModelName: name)
            let v = c.vit!, t = c.text.transformer
            XCTAssertEqual(
                [
                    v.imageSize, v.patchSize, v.transformer.width, v.transformer.layers, v.transformer.heads,
                    t.width, t.layers, t.heads, c.embedDim, v.tokens
                ], e, name)
            XCTAssertEqual(v.transformer.mlpWidth, 4 * v.transformer.width, name)
            XCTAssertEqual(c.vit?.transformer.activation, .gelu, name)
            XCTAssertEqual(
                try CLIPConfig(openCLIPModelName: name + "-quickgelu").text.transformer.activation, .quickGELU)
        }
    }

    func testHuggingFaceDefaultsAreViTB32() throws {
        let c = try CLIPConfig(huggingFaceConfig: Data("{}".utf8))
        XCTAssertEqual(c, try CLIPConfig(openCLIPModelName: "ViT-B-32-quickgelu"))
        XCTAssertEqual(c.text.contextLength, 77)
        XCTAssertEqual(c.text.vocabSize, 49408)
    }

    func testOpenCLIPImageSizeAsPair() throws {
        let json =
            #"""
            {"embed_dim": 16, "vision_cfg": {"image_size": [64, 64], "width": 32, "head_width": 8, "layers": 1, \#
            "patch_size": 16}, "text_cfg": {"width": 32, "heads": 4, "layers": 1}}
            """#
        let c = try CLIPConfig(openCLIPConfig: Data(json.utf8))
        XCTAssertEqual(c.vit?.imageSize, 64)
        XCTAssertEqual(c.vit?.transformer.heads, 4)
        let bad = json.replacingOccurrences(of: "[64, 64]", with: "[64, 32]")
        assertCLIPError(["vision_cfg.image_size", "square"]) { try CLIPConfig(openCLIPConfig: Data(bad.utf8)) }
    }

    func testPreprocessConfigFromModelFolders() throws {
        let dir = try temporaryDirectory(self)
        try Data(
            #"""
            {"crop_size": {"height": 336, "width": 336}, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.25, 0.25, \#
            0.25]}
            """#
            .utf8
        )
        .write(to: dir.appendingPathComponent("preprocessor_config.json"))
        let hf = try PreprocessConfig.forModel(folder: dir, imageSize: 224)
        XCTAssertEqual(
            hf,
            PreprocessConfig(size: 336, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], rgbConversion: .firstOntoWhite),
            "transformers' processors convert to RGB first")
        try Data(#"{"crop_size": 336, "do_convert_rgb": false}"#.utf8).write(
            to: dir.appendingPathComponent("preprocessor_config.json"))
        XCTAssertEqual(try PreprocessConfig.forModel(folder: dir, imageSize: 224).rgbConversion, .afterResize)
        let oc = try temporaryDirectory(self)
        try Data(
            #"""
            {"model_cfg": {}, "preprocess_cfg": {"size": 240, "mean": [0.1, 0.2, 0.3], "std": [1, 1, 1], \#
            "resize_mode": "squash"}}
            """#
            .utf8
        )
        .write(to: oc.appendingPathComponent("open_clip_config.json"))
        XCTAssertEqual(
            try PreprocessConfig.forModel(folder: oc, imageSize: 224),
            PreprocessConfig(size: 240, mean: [0.1, 0.2, 0.3], std: [1, 1, 1], resizeMode: .squash))
        try Data(#"{"image_std": [0, 1, 1]}"#.utf8).write(to: dir.appendingPathComponent("preprocessor_config.json"))
        assertCLIPError(["preprocessor_config.json", "image_std", "positive"]) {
            try PreprocessConfig.forModel(folder: dir, imageSize: 224)
        }
        XCTAssertEqual(try PreprocessConfig.forModel(folder: nil, imageSize: 224), PreprocessConfig())
    }
}
