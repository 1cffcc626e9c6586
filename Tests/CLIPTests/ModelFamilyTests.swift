import CLIP
import CLIPTestSupport
import Foundation
import XCTest

/// The family is read from the checkpoint's own config, and a checkpoint that does not fit its family is
/// an error naming the tensor or field, never a crash or a silently wrong model.
final class ModelFamilyTests: XCTestCase {
    /// Copies the tiny open_clip ResNet fixture with its tensors edited by `edit` (and, optionally, another
    /// fixture's config), and returns the folder.
    func editedResNet(
        config: String = "openclip_rn_tiny", _ edit: (inout [(name: String, tensor: Tensor)]) -> Void = { _ in }
    ) throws -> URL {
        let source = Fixtures.url("engine/openclip_rn_tiny")
        let file = try SafeTensorsFile(path: source.appendingPathComponent("open_clip_model.safetensors").path)
        var tensors = try file.entries.keys.sorted().map { (name: $0, tensor: try file.floats($0)) }
        edit(&tensors)
        let dir = try temporaryDirectory(self)
        try FileManager.default.copyItem(
            at: Fixtures.url("engine/\(config)").appendingPathComponent("open_clip_config.json"),
            to: dir.appendingPathComponent("open_clip_config.json"))
        try SafeTensorsWriter.write(tensors, to: dir.appendingPathComponent("open_clip_model.safetensors"))
        return dir
    }

    func testAMissingBatchNormBufferIsNamed() throws {
        let dir = try editedResNet { $0.removeAll { $0.name == "visual.layer2.1.bn2.running_var" } }
        assertCLIPError(["open_clip_model.safetensors", "visual.layer2.1.bn2.running_var", "missing"]) {
            try CLIPModel.load(from: dir)
        }
        XCTAssertNoThrow(try CLIPModel.load(from: dir, towers: .text), "the text tower does not need it")
    }

    func testAWrongConvolutionShapeIsNamed() throws {
        let dir = try editedResNet { tensors in
            let i = tensors.firstIndex { $0.name == "visual.layer3.0.conv2.weight" }!
            tensors[i].tensor = Tensor(zeros: [32, 32, 1, 1])
        }
        assertCLIPError(["visual.layer3.0.conv2.weight", "has shape [32, 32, 1, 1], expected [32, 32, 3, 3]"]) {
            try CLIPModel.load(from: dir)
        }
    }

    func testAConfigOfTheOtherFamilyIsSaidSo() throws {
        // ResNet weights under a ViT config, and ViT weights under a ResNet config.
        let resnetAsViT = try editedResNet(config: "openclip_gelu_p16")
        assertCLIPError([
            "visual.attnpool.positional_embedding", "holds a ModifiedResNet image tower, but the config describes a ViT"
        ]) {
            try CLIPModel.load(from: resnetAsViT)
        }
        let dir = try temporaryDirectory(self)
        let vit = Fixtures.url("engine/openclip_gelu_p16")
        try FileManager.default.copyItem(
            at: vit.appendingPathComponent("open_clip_model.safetensors"),
            to: dir.appendingPathComponent("open_clip_model.safetensors"))
        try FileManager.default.copyItem(
            at: Fixtures.url("engine/openclip_rn_tiny/open_clip_config.json"),
            to: dir.appendingPathComponent("open_clip_config.json"))
        assertCLIPError(["visual.class_embedding", "holds a ViT image tower, but the config describes a ModifiedResNet"]
        ) { try CLIPModel.load(from: dir) }
    }

    func testTheFamilyComesFromTheConfig() throws {
        func hf(_ json: String) throws -> CLIPConfig {
            try CLIPConfig(huggingFaceConfig: Data(json.utf8), source: "config.json")
        }
        XCTAssertEqual(try hf(#"{"model_type": "clip"}"#).image.family, .vit)
        assertCLIPError(["config.json", "model_type", "NaFlex"]) { try hf(#"{"model_type": "siglip2"}"#) }
        XCTAssertEqual(try hf(#"{"model_type": "siglip"}"#).image.family, .siglip)
        assertCLIPError(["model_type", "unsupported model family 'bert'", "supported: clip"]) {
            try hf(#"{"model_type": "bert"}"#)
        }
        let resnet = try CLIPConfig(openCLIPModelName: "RN50-quickgelu")
        XCTAssertEqual(
            resnet.image, .modifiedResNet(ResNetConfig(layers: [3, 4, 6, 3], width: 64, imageSize: 224, heads: 32)))
        XCTAssertEqual(resnet.text.transformer.activation, .quickGELU)
        XCTAssertEqual(resnet.embedDim, 1024)
        let timm = #"{"embed_dim": 512, "vision_cfg": {"timm_model_name": "convnext_base"}, "text_cfg": {}}"#
        assertCLIPError([
            "vision_cfg.timm_model_name", "'convnext_base' is not a timm tower SwiftCLIP knows",
            "vit_base_patch16_siglip_224"
        ]) { try CLIPConfig(openCLIPConfig: Data(timm.utf8)) }
        let badStages =
            #"{"embed_dim": 16, "vision_cfg": {"layers": [1, 1, 1], "width": 8, "image_size": 64}, "text_cfg": {}}"#
        assertCLIPError(["vision.layers", "4 stages"]) { try CLIPConfig(openCLIPConfig: Data(badStages.utf8)) }
    }

    /// Training stays ViT-only, and says so.
    func testTowersDoNotLeakTheirFamily() throws {
        let model = try CLIPModel.load(from: Fixtures.url("engine/openclip_rn_tiny"))
        let tower = try model.requireVision()
        XCTAssertEqual(tower.family, .modifiedResNet)
        XCTAssertEqual(tower.imageSize, 64)
        assertCLIPError(["image tensor has shape [1, 3, 32, 32]", "[batch, 3, 64, 64]"]) {
            try tower.embed(pixels: Tensor(zeros: [1, 3, 32, 32]))
        }
        assertCLIPError(["training supports ViT image towers only", "ModifiedResNet"]) {
            try model.config.requireViT(for: "training")
        }
    }

    /// Every family name has its row in `FamilyTable` (a name without one would stop the process the first
    /// time a model of that family loads), and callers read what differs as properties of the tower.
    func testEveryFamilyHasItsTableRow() throws {
        for kind in FamilyKind.allCases {
            XCTAssertEqual(
                try PreprocessConfig.forModel(folder: nil, imageSize: 96, family: kind).size, 96, kind.rawValue)
        }
        let resnet = try CLIPModel.load(from: Fixtures.url("engine/openclip_rn_tiny")).requireVision()
        XCTAssertFalse(resnet.hasTransformerBlocks)
        XCTAssertFalse(resnet.hasBackward)
        XCTAssertEqual(resnet.preprocessDefaults, PreprocessConfig(size: 64))
        let vit = try CLIPModel.load(from: Fixtures.url("engine/hf_gelu_p14_fp16"), towers: .vision).requireVision()
        XCTAssertTrue(vit.hasTransformerBlocks)
        XCTAssertTrue(vit.hasBackward)
        let siglip = try CLIPModel.load(from: Fixtures.url("engine/hf_siglip_tiny"))
        XCTAssertEqual(try siglip.requireVision().preprocessDefaults.resizeMode, .squash)
        XCTAssertFalse(try siglip.requireVision().hasBackward)
        XCTAssertTrue(siglip.config.text.readsWholeContext)
    }
}

/// The config-only variants: each known model's architecture, quirk and cost.
final class KnownModelTests: XCTestCase {
    func testParameterCountsMatchOpenCLIP() throws {
        // open_clip 3.3 `CLIP(**model_configs[name])`: visual parameters, and the rest but logit_scale.
        for (name, image, text) in [
            ("RN50", 38_316_896, 63_690_240), ("ViT-B-32", 87_849_216, 63_428_096),
            ("ViT-B-32-256", 87_860_736, 63_428_096), ("ViT-B-16-plus-240", 117_213_824, 91_163_520)
        ] {
            let cost = ModelCost(try CLIPConfig(openCLIPModelName: name))
            XCTAssertEqual(cost.imageParameters, image, name)
            XCTAssertEqual(cost.textParameters, text, name)
        }
        // ViT-B/32: 4.4 G multiply-adds per image, as every table has it.
        XCTAssertEqual(ModelCost(try CLIPConfig(openCLIPModelName: "ViT-B-32")).imageFLOPs / 2e9, 4.41, accuracy: 0.01)
    }

    func testEachVariantCarriesItsQuirk() throws {
        func entry(_ name: String) throws -> KnownModels.Entry { try XCTUnwrap(KnownModels.entry(for: name), name) }
        // DataComp's ViT-B/32 at 256 px: an 8×8 grid (65 tokens), GELU.
        let datacomp = try entry("ViT-B-32-256-datacomp").config
        XCTAssertEqual(datacomp.vit?.gridSize, 8)
        XCTAssertEqual(datacomp.vit?.tokens, 65)
        XCTAssertEqual(datacomp.vit?.transformer.activation, .gelu)
        // ViT-B/16+ at 240 px: 896 wide (14 heads of 64), 15×15 grid, 640-d.
        let plus = try entry("ViT-B-16-plus-240").config
        XCTAssertEqual(
            [plus.vit?.transformer.width, plus.vit?.transformer.heads, plus.vit?.gridSize, plus.embedDim],
            [896, 14, 15, 640])
        // DFN5B at 378 px: QuickGELU and squash; the hub config's activation is overridden by the tag's.
        let dfn = try entry("ViT-H-14-378-dfn5b")
        XCTAssertEqual(dfn.resizeMode, .squash)
        XCTAssertEqual(try dfn.config.vit?.imageSize, 378)
        var gelu = try CLIPConfig(openCLIPModelName: "ViT-H-14-378")
        XCTAssertEqual(gelu.text.transformer.activation, .gelu)
        dfn.applyQuirks(to: &gelu)
        XCTAssertEqual(gelu.vit?.transformer.activation, .quickGELU)
        XCTAssertEqual(gelu.text.transformer.activation, .quickGELU)
        // MetaCLIP and DFN-2B are QuickGELU; LAION's are GELU; OpenAI's ResNets are QuickGELU in the text tower.
        XCTAssertEqual(try entry("ViT-B-16-metaclip").config.vit?.transformer.activation, .quickGELU)
        XCTAssertEqual(try entry("ViT-L-14-dfn2b").config.vit?.transformer.activation, .quickGELU)
        XCTAssertEqual(try entry("ViT-B-32-laion2b").config.vit?.transformer.activation, .gelu)
        XCTAssertEqual(
            try entry("RN50x4").config.image,
            .modifiedResNet(ResNetConfig(layers: [4, 6, 10, 6], width: 80, imageSize: 288, heads: 40)))
        XCTAssertEqual(try entry("RN50x4").config.text.transformer.activation, .quickGELU)
        XCTAssertEqual(
            try entry("RN50x64").config.image,
            .modifiedResNet(ResNetConfig(layers: [3, 15, 36, 10], width: 128, imageSize: 448, heads: 64)))
    }

    /// A known model loaded from its folder gets its quirks: the squash resize reaches the preprocessing.
    func testAKnownModelsQuirksReachTheLoadedModel() throws {
        let dfn = try XCTUnwrap(KnownModels.entry(for: "ViT-H-14-dfn5b"))
        let loaded = try LoadedModel.load(Fixtures.url("engine/openclip_gelu_p16"), known: dfn)
        XCTAssertEqual(loaded.model.config.text.transformer.activation, .quickGELU)
        XCTAssertEqual(try loaded.imageEmbedder().preprocessor.config.resizeMode, .squash)
        let plain = try LoadedModel.load(Fixtures.url("engine/openclip_gelu_p16"))
        XCTAssertEqual(plain.model.config.text.transformer.activation, .gelu)
        XCTAssertEqual(try plain.imageEmbedder().preprocessor.config.resizeMode, .shortest)
    }
}
