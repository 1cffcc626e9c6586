import Foundation

// Decoding follows each format's own defaults (`decodeIfPresent ?? default`), so a minimal file works
// exactly as it does in transformers / open_clip.

extension CLIPConfig {
    /// Decodes a Hugging Face `config.json`: its `model_type` names the family first (`ModelRegistry`), so
    /// a SigLIP or any other model's config is never read as CLIP's.
    public init(huggingFaceConfig data: Data, source: String = "config.json") throws {
        let family: HFModelType
        do { family = try JSONDecoder().decode(HFModelType.self, from: data) } catch {
            throw CLIPError.config(source: source, field: nil, reason: "not a JSON object")
        }
        self = try ModelRegistry.huggingFace(modelType: family.model_type ?? "clip", source: source, data: data)
    }

    /// Decodes a Hugging Face `CLIPModel` `config.json` (`model_type` "clip").
    init(huggingFaceCLIP data: Data, source: String) throws {
        let raw: HFConfigFile
        do { raw = try JSONDecoder().decode(HFConfigFile.self, from: data) } catch {
            throw CLIPError.config(source: source, field: Self.fieldPath(of: error), reason: "not a valid CLIP config.json (\(Self.reason(of: error)))")
        }
        let text = raw.text_config ?? HFTowerConfig()
        let vision = raw.vision_config ?? HFTowerConfig()
        func tower(_ c: HFTowerConfig, _ name: String, width: Int, layers: Int, heads: Int, mlp: Int) throws -> TransformerConfig {
            let act = c.hidden_act ?? "quick_gelu"
            guard let activation = Activation(rawValue: act) else {
                throw CLIPError.config(source: source, field: "\(name).hidden_act", reason: "unsupported activation '\(act)' (supported: quick_gelu, gelu, relu)")
            }
            return TransformerConfig(width: c.hidden_size ?? width, layers: c.num_hidden_layers ?? layers,
                                     heads: c.num_attention_heads ?? heads, mlpWidth: c.intermediate_size ?? mlp,
                                     activation: activation, layerNormEps: c.layer_norm_eps ?? 1e-5)
        }
        self.init(
            vision: VisionConfig(transformer: try tower(vision, "vision_config", width: 768, layers: 12, heads: 12, mlp: 3072),
                                 imageSize: vision.image_size ?? 224, patchSize: vision.patch_size ?? 32),
            text: TextConfig(transformer: try tower(text, "text_config", width: 512, layers: 12, heads: 8, mlp: 2048),
                             contextLength: text.max_position_embeddings ?? 77, vocabSize: text.vocab_size ?? 49408),
            embedDim: raw.projection_dim ?? 512)
        if let channels = vision.num_channels, channels != 3 {
            throw CLIPError.config(source: source, field: "vision_config.num_channels", reason: "only 3-channel models are supported, got \(channels)")
        }
        try validate(source: source)
    }

    /// Decodes a Hugging Face `SiglipModel` `config.json` (`model_type` "siglip"; SigLIP 2's fixed-resolution
    /// checkpoints too): transformers' defaults are ViT-B/16 at 224 px, 64-token texts, tanh GELU, ε 1e-6.
    init(huggingFaceSiglip data: Data, source: String) throws {
        let raw: HFConfigFile
        do { raw = try JSONDecoder().decode(HFConfigFile.self, from: data) } catch {
            throw CLIPError.config(source: source, field: Self.fieldPath(of: error), reason: "not a valid SigLIP config.json (\(Self.reason(of: error)))")
        }
        let text = raw.text_config ?? HFTowerConfig(), vision = raw.vision_config ?? HFTowerConfig()
        func tower(_ c: HFTowerConfig, _ name: String) throws -> TransformerConfig {
            let act = c.hidden_act ?? "gelu_pytorch_tanh"
            guard let activation = Activation(rawValue: act) else {
                throw CLIPError.config(source: source, field: "\(name).hidden_act", reason: "unsupported activation '\(act)' (supported: gelu_pytorch_tanh, gelu, quick_gelu)")
            }
            return TransformerConfig(width: c.hidden_size ?? 768, layers: c.num_hidden_layers ?? 12, heads: c.num_attention_heads ?? 12,
                                     mlpWidth: c.intermediate_size ?? 3072, activation: activation, layerNormEps: c.layer_norm_eps ?? 1e-6)
        }
        if vision.vision_use_head == false {
            throw CLIPError.config(source: source, field: "vision_config.vision_use_head", reason: "a SigLIP image tower without its attention-pooling head is not supported")
        }
        let visionTower = try tower(vision, "vision_config")
        let embedDim = text.projection_size ?? text.hidden_size ?? 768
        guard embedDim == visionTower.width else {
            throw CLIPError.config(source: source, field: "text_config.projection_size", reason: "\(embedDim) differs from the image tower's width \(visionTower.width) (SigLIP's image embedding is its width)")
        }
        self.init(image: .siglip(VisionConfig(transformer: visionTower, imageSize: vision.image_size ?? 224, patchSize: vision.patch_size ?? 16, classToken: false)),
                  text: TextConfig(transformer: try tower(text, "text_config"), contextLength: text.max_position_embeddings ?? 64,
                                   vocabSize: text.vocab_size ?? 32000, style: .siglip),
                  embedDim: embedDim)
        try validate(source: source)
    }

    /// Reads and decodes a Hugging Face `config.json` file.
    public init(huggingFaceConfigFile url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw CLIPError.io(file: url.path, reason: error.localizedDescription) }
        try self.init(huggingFaceConfig: data, source: url.path)
    }

    /// Decodes an open_clip model JSON (`{"embed_dim", "vision_cfg", "text_cfg", "quick_gelu"?}`).
    public init(openCLIPConfig data: Data, source: String = "open_clip config") throws {
        let raw: OpenCLIPConfigFile
        do { raw = try JSONDecoder().decode(OpenCLIPConfigFile.self, from: data) } catch {
            throw CLIPError.config(source: source, field: Self.fieldPath(of: error), reason: "not a valid open_clip model config (\(Self.reason(of: error)))")
        }
        let activation: Activation = (raw.quick_gelu ?? false) ? .quickGELU : .gelu
        let v = raw.vision_cfg, t = raw.text_cfg
        if t.hf_model_name != nil {
            throw CLIPError.config(source: source, field: "text_cfg.hf_model_name", reason: "Hugging Face text towers are not supported; only the CLIP and SigLIP text transformers are")
        }
        if let timm = v.timm_model_name {
            try self.init(openCLIPSiglip: raw, timmName: timm, source: source)
            return
        }
        for (field, odd) in [("no_causal_mask", t.no_causal_mask == true), ("pool_type", (t.pool_type ?? "argmax") != "argmax"), ("proj_bias", t.proj_bias == true)] where odd {
            throw CLIPError.config(source: source, field: "text_cfg.\(field)",
                                   reason: "SigLIP's text tower (non-causal, pooled at '\(t.pool_type ?? "argmax")', biased projection) is read with SigLIP's timm image towers only")
        }
        let vWidth = v.width ?? 768
        let vHeadWidth = v.head_width ?? 64
        let tWidth = t.width ?? 512
        let image: ImageTowerConfig
        switch v.layers ?? .count(12) {
        case let .count(layers):
            image = .vit(VisionConfig(
                transformer: TransformerConfig(width: vWidth, layers: layers, heads: max(1, vWidth / vHeadWidth),
                                               mlpWidth: Int(Double(vWidth) * (v.mlp_ratio ?? 4.0)), activation: activation),
                imageSize: v.image_size?.value ?? 224, patchSize: v.patch_size ?? 16))
        case let .stages(stages):
            // A list of blocks per stage is open_clip's ModifiedResNet (`_build_vision_tower`): heads from
            // the pool width (width · 32) and head_width, as build_model derives them.
            let width = v.width ?? 64
            image = .modifiedResNet(ResNetConfig(layers: stages, width: width, imageSize: v.image_size?.value ?? 224,
                                                 heads: max(1, width * 32 / vHeadWidth)))
        }
        self.init(
            image: image,
            text: TextConfig(
                transformer: TransformerConfig(width: tWidth, layers: t.layers ?? 12, heads: t.heads ?? 8,
                                               mlpWidth: Int(Double(tWidth) * (t.mlp_ratio ?? 4.0)), activation: activation),
                contextLength: t.context_length ?? 77, vocabSize: t.vocab_size ?? 49408),
            embedDim: raw.embed_dim)
        if image.family == .vit, vWidth % vHeadWidth != 0 {
            throw CLIPError.config(source: source, field: "vision_cfg.head_width", reason: "width \(vWidth) is not divisible by head_width \(vHeadWidth)")
        }
        try validate(source: source)
    }

    /// open_clip's SigLIP (`CustomTextCLIP`): a timm image tower named by `timm_model_name`, pooled by its
    /// MAP head (`timm_pool` "map") with no projection (`timm_proj` "none"), beside open_clip's text
    /// transformer attending both ways (`no_causal_mask`), pooled at the last position (`pool_type` "last")
    /// through a projection with a bias (`proj_bias`). The text tower's activation is exact GELU unless
    /// `act_kwargs.approximate` is "tanh" (SigLIP 2); its LayerNorm ε is `norm_kwargs.eps`.
    /// A timm name SwiftCLIP does not know is read from the config's own `width`, `layers`, `head_width`,
    /// `mlp_ratio`, `patch_size` and `image_size` when they are given (exact GELU, as timm's ViT default).
    private init(openCLIPSiglip raw: OpenCLIPConfigFile, timmName: String, source: String) throws {
        let v = raw.vision_cfg, t = raw.text_cfg
        func require(_ ok: Bool, _ field: String, _ reason: String) throws {
            if !ok { throw CLIPError.config(source: source, field: field, reason: reason) }
        }
        var vision: VisionConfig
        if let known = TimmSiglipTowers.vision(named: timmName) {
            vision = known
        } else if let width = v.width, case let .count(layers)? = v.layers {
            let headWidth = v.head_width ?? 64
            try require(headWidth > 0 && width % headWidth == 0, "vision_cfg.head_width", "width \(width) is not divisible by head_width \(headWidth)")
            vision = VisionConfig(transformer: TransformerConfig(width: width, layers: layers, heads: width / headWidth,
                                                                 mlpWidth: Int(Double(width) * (v.mlp_ratio ?? 4.0)), activation: .gelu, layerNormEps: 1e-6),
                                  imageSize: v.image_size?.value ?? 224, patchSize: v.patch_size ?? 16, classToken: false)
        } else {
            throw CLIPError.config(source: source, field: "vision_cfg.timm_model_name",
                                   reason: "'\(timmName)' is not a timm tower SwiftCLIP knows (SigLIP's MAP-pooled ViTs: \(TimmSiglipTowers.names.sorted().joined(separator: ", ")))")
        }
        try require((v.timm_pool ?? "avg") == "map", "vision_cfg.timm_pool",
                    "timm image towers are read for SigLIP's attention-pooling head ('map') only, got '\(v.timm_pool ?? "avg")'")
        try require((v.timm_proj ?? "linear") == "none", "vision_cfg.timm_proj",
                    "SigLIP's image embedding is the pooled token itself ('none'), got '\(v.timm_proj ?? "linear")'")
        // (`quick_gelu` does not reach a timm tower: open_clip builds timm's own activation whatever the flag.)
        try require(t.no_causal_mask == true, "text_cfg.no_causal_mask", "SigLIP's text tower attends both ways (true)")
        try require(t.pool_type == "last", "text_cfg.pool_type", "SigLIP's text tower is pooled at its last position ('last'), got '\(t.pool_type ?? "argmax")'")
        try require(t.proj_bias == true, "text_cfg.proj_bias", "SigLIP's text projection has a bias (true)")
        let textActivation: Activation
        switch (raw.quick_gelu ?? false, t.act_kwargs?.approximate ?? "none") {
        case (true, _): textActivation = .quickGELU
        case (false, "tanh"): textActivation = .geluTanh
        case (false, "none"): textActivation = .gelu
        case let (false, other): throw CLIPError.config(source: source, field: "text_cfg.act_kwargs.approximate", reason: "unsupported GELU approximation '\(other)' (supported: none, tanh)")
        }
        let width = t.width ?? 512
        let text = TextConfig(transformer: TransformerConfig(width: width, layers: t.layers ?? 12, heads: t.heads ?? 8,
                                                             mlpWidth: Int(Double(width) * (t.mlp_ratio ?? 4.0)), activation: textActivation,
                                                             layerNormEps: t.norm_kwargs?.eps ?? 1e-5),
                              contextLength: t.context_length ?? 77, vocabSize: t.vocab_size ?? 49408, style: .siglip)
        try require(raw.embed_dim == vision.transformer.width, "embed_dim",
                    "\(raw.embed_dim) differs from the image tower's width \(vision.transformer.width) (SigLIP's image embedding is its width)")
        self.init(image: .siglip(vision), text: text, embedDim: raw.embed_dim)
        try validate(source: source)
    }

    static func fieldPath(of error: Error) -> String? {
        switch error as? DecodingError {
        case let .keyNotFound(key, ctx)?: return (ctx.codingPath + [key]).map(\.stringValue).joined(separator: ".")
        case let .typeMismatch(_, ctx)?, let .valueNotFound(_, ctx)?, let .dataCorrupted(ctx)?:
            return ctx.codingPath.isEmpty ? nil : ctx.codingPath.map(\.stringValue).joined(separator: ".")
        default: return nil
        }
    }

    static func reason(of error: Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound?: return "required field is missing"
        case let .typeMismatch(type, _)?: return "expected \(type)"
        case .valueNotFound?: return "value is null"
        case let .dataCorrupted(ctx)?: return ctx.debugDescription
        default: return "\(error)"
        }
    }
}

private struct HFModelType: Decodable {
    var model_type: String?
}

private struct HFConfigFile: Decodable {
    var text_config: HFTowerConfig?
    var vision_config: HFTowerConfig?
    var projection_dim: Int?
}

private struct HFTowerConfig: Decodable {
    var hidden_size: Int?
    var intermediate_size: Int?
    var num_attention_heads: Int?
    var num_hidden_layers: Int?
    var max_position_embeddings: Int?
    var vocab_size: Int?
    var hidden_act: String?
    var layer_norm_eps: Float?
    var image_size: Int?
    var patch_size: Int?
    var num_channels: Int?
    var projection_size: Int?
    var vision_use_head: Bool?
}

private struct OpenCLIPConfigFile: Decodable {
    var embed_dim: Int
    var quick_gelu: Bool?
    var vision_cfg: Vision
    var text_cfg: Text

    struct Vision: Decodable {
        var image_size: IntOrPair?
        var layers: Layers?
        var width: Int?
        var head_width: Int?
        var mlp_ratio: Double?
        var patch_size: Int?
        var timm_model_name: String?
        var timm_pool: String?
        var timm_proj: String?
    }

    struct Text: Decodable {
        var context_length: Int?
        var vocab_size: Int?
        var width: Int?
        var heads: Int?
        var layers: Int?
        var mlp_ratio: Double?
        var hf_model_name: String?
        var no_causal_mask: Bool?
        var pool_type: String?
        var proj_bias: Bool?
        var norm_kwargs: NormKwargs?
        var act_kwargs: ActKwargs?
    }

    struct NormKwargs: Decodable { var eps: Float? }
    struct ActKwargs: Decodable { var approximate: String? }

    /// A ViT's block count, or a ModifiedResNet's blocks per stage.
    enum Layers: Decodable {
        case count(Int)
        case stages([Int])
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let n = try? c.decode(Int.self) { self = .count(n); return }
            if let list = try? c.decode([Int].self) { self = .stages(list); return }
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected a block count (ViT) or a list of blocks per stage (ModifiedResNet)")
        }
    }

    /// open_clip allows `image_size` as an int or a square `[h, w]` pair.
    struct IntOrPair: Decodable {
        var value: Int
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let v = try? c.decode(Int.self) { value = v; return }
            let pair = try c.decode([Int].self)
            guard pair.count == 2, pair[0] == pair[1] else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "only square image sizes are supported")
            }
            value = pair[0]
        }
    }
}
