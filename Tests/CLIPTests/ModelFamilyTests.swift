import CLIP
import Foundation
import XCTest

/// The family is read from the checkpoint's own config, and a checkpoint that does not fit its family is
/// an error naming the tensor or field, never a crash or a silently wrong model.
final class ModelFamilyTests: XCTestCase {
    /// Copies the tiny open_clip ResNet fixture with its tensors edited by `edit` (and, optionally, another
    /// fixture's config), and returns the folder.
    func editedResNet(config: String = "openclip_rn_tiny", _ edit: (inout [(name: String, tensor: Tensor)]) -> Void = { _ in }) throws -> URL {
        let source = Fixtures.url("engine/openclip_rn_tiny")
        let file = try SafeTensorsFile(path: source.appendingPathComponent("open_clip_model.safetensors").path)
        var tensors = try file.entries.keys.sorted().map { (name: $0, tensor: try file.floats($0)) }
        edit(&tensors)
        let dir = try temporaryDirectory(self)
        try FileManager.default.copyItem(at: Fixtures.url("engine/\(config)").appendingPathComponent("open_clip_config.json"),
                                         to: dir.appendingPathComponent("open_clip_config.json"))
        try SafeTensorsWriter.write(tensors, to: dir.appendingPathComponent("open_clip_model.safetensors"))
        return dir
    }

    func testAMissingBatchNormBufferIsNamed() throws {
        let dir = try editedResNet { $0.removeAll { $0.name == "visual.layer2.1.bn2.running_var" } }
        assertCLIPError(["open_clip_model.safetensors", "visual.layer2.1.bn2.running_var", "missing"]) { try CLIPModel.load(from: dir) }
        XCTAssertNoThrow(try CLIPModel.load(from: dir, towers: .text), "the text tower does not need it")
    }

    func testAWrongConvolutionShapeIsNamed() throws {
        let dir = try editedResNet { tensors in
            let i = tensors.firstIndex { $0.name == "visual.layer3.0.conv2.weight" }!
            tensors[i].tensor = Tensor(zeros: [32, 32, 1, 1])
        }
        assertCLIPError(["visual.layer3.0.conv2.weight", "has shape [32, 32, 1, 1], expected [32, 32, 3, 3]"]) { try CLIPModel.load(from: dir) }
    }

    func testAConfigOfTheOtherFamilyIsSaidSo() throws {
        // ResNet weights under a ViT config, and ViT weights under a ResNet config.
        let resnetAsViT = try editedResNet(config: "openclip_gelu_p16")
        assertCLIPError(["visual.attnpool.positional_embedding", "holds a ModifiedResNet image tower, but the config describes a ViT"]) {
            try CLIPModel.load(from: resnetAsViT)
        }
        let dir = try temporaryDirectory(self)
        let vit = Fixtures.url("engine/openclip_gelu_p16")
        try FileManager.default.copyItem(at: vit.appendingPathComponent("open_clip_model.safetensors"), to: dir.appendingPathComponent("open_clip_model.safetensors"))
        try FileManager.default.copyItem(at: Fixtures.url("engine/openclip_rn_tiny/open_clip_config.json"), to: dir.appendingPathComponent("open_clip_config.json"))
        assertCLIPError(["visual.class_embedding", "holds a ViT image tower, but the config describes a ModifiedResNet"]) { try CLIPModel.load(from: dir) }
    }

    func testTheFamilyComesFromTheConfig() throws {
        func hf(_ json: String) throws -> CLIPConfig { try CLIPConfig(huggingFaceConfig: Data(json.utf8), source: "config.json") }
        XCTAssertEqual(try hf(#"{"model_type": "clip"}"#).image.family, .vit)
        assertCLIPError(["config.json", "model_type", "SigLIP is not supported yet"]) { try hf(#"{"model_type": "siglip", "vision_config": {"hidden_size": 768}}"#) }
        assertCLIPError(["model_type", "unsupported model family 'bert'", "supported: clip"]) { try hf(#"{"model_type": "bert"}"#) }
        let resnet = try CLIPConfig(openCLIPModelName: "RN50-quickgelu")
        XCTAssertEqual(resnet.image, .modifiedResNet(ResNetConfig(layers: [3, 4, 6, 3], width: 64, imageSize: 224, heads: 32)))
        XCTAssertEqual(resnet.text.transformer.activation, .quickGELU)
        XCTAssertEqual(resnet.embedDim, 1024)
        let timm = #"{"embed_dim": 512, "vision_cfg": {"timm_model_name": "convnext_base"}, "text_cfg": {}}"#
        assertCLIPError(["vision_cfg.timm_model_name", "timm image towers are not supported"]) { try CLIPConfig(openCLIPConfig: Data(timm.utf8)) }
        let badStages = #"{"embed_dim": 16, "vision_cfg": {"layers": [1, 1, 1], "width": 8, "image_size": 64}, "text_cfg": {}}"#
        assertCLIPError(["vision.layers", "4 stages"]) { try CLIPConfig(openCLIPConfig: Data(badStages.utf8)) }
    }

    /// Training stays ViT-only, and says so.
    func testTowersDoNotLeakTheirFamily() throws {
        let model = try CLIPModel.load(from: Fixtures.url("engine/openclip_rn_tiny"))
        let tower = try model.requireVision()
        XCTAssertEqual(tower.family, .modifiedResNet)
        XCTAssertEqual(tower.imageSize, 64)
        assertCLIPError(["image tensor has shape [1, 3, 32, 32]", "[batch, 3, 64, 64]"]) { try tower.embed(pixels: Tensor(zeros: [1, 3, 32, 32])) }
        assertCLIPError(["training supports ViT image towers only", "ModifiedResNet"]) { try model.config.requireViT(for: "training") }
    }
}
