import Foundation

// SigLIP's config in each layout it comes in, with that layout's own defaults.
extension SiglipFamily {
    /// A Hugging Face `SiglipModel` `config.json` (`model_type` "siglip"; SigLIP 2's fixed-resolution
    /// checkpoints too): transformers' defaults are ViT-B/16 at 224 px, 64-token texts, tanh GELU, ε 1e-6.
    static func config(huggingFace data: Data, source: String) throws -> CLIPConfig {
        let raw = try HFConfigFile.decode(data, source: source, what: "SigLIP")
        let text = raw.text_config ?? HFTowerConfig()
        let vision = raw.vision_config ?? HFTowerConfig()
        func tower(_ c: HFTowerConfig, section: String) throws -> TransformerConfig {
            let act = c.hidden_act ?? "gelu_pytorch_tanh"
            guard let activation = Activation(rawValue: act) else {
                throw CLIPError.config(
                    source: source, field: "\(section).hidden_act",
                    reason: "unsupported activation '\(act)' (supported: gelu_pytorch_tanh, gelu, quick_gelu)")
            }
            return TransformerConfig(
                width: c.hidden_size ?? 768, layers: c.num_hidden_layers ?? 12,
                heads: c.num_attention_heads ?? 12, mlpWidth: c.intermediate_size ?? 3072,
                activation: activation, layerNormEps: c.layer_norm_eps ?? 1e-6)
        }
        if vision.vision_use_head == false {
            throw CLIPError.config(
                source: source, field: "vision_config.vision_use_head",
                reason: "a SigLIP image tower without its attention-pooling head is not supported")
        }
        let visionTower = try tower(vision, section: "vision_config")
        let embedDim = text.projection_size ?? text.hidden_size ?? 768
        guard embedDim == visionTower.width else {
            throw CLIPError.config(
                source: source, field: "text_config.projection_size",
                reason: "\(embedDim) differs from the image tower's width \(visionTower.width) "
                    + "(SigLIP's image embedding is its width)")
        }
        let image = VisionConfig(
            transformer: visionTower, imageSize: vision.image_size ?? 224,
            patchSize: vision.patch_size ?? 16, classToken: false)
        let config = CLIPConfig(
            image: .siglip(image),
            text: TextConfig(
                transformer: try tower(text, section: "text_config"),
                contextLength: text.max_position_embeddings ?? 64, vocabSize: text.vocab_size ?? 32000,
                style: .siglip),
            embedDim: embedDim)
        try config.validate(source: source)
        return config
    }

    /// open_clip's SigLIP (`CustomTextCLIP`): a timm image tower named by `timm_model_name`, pooled by its
    /// MAP head (`timm_pool` "map") with no projection (`timm_proj` "none"), beside open_clip's text
    /// transformer attending both ways (`no_causal_mask`), pooled at the last position (`pool_type` "last")
    /// through a projection with a bias (`proj_bias`). The text tower's activation is exact GELU unless
    /// `act_kwargs.approximate` is "tanh" (SigLIP 2); its LayerNorm ε is `norm_kwargs.eps`.
    static func config(openCLIP raw: OpenCLIPConfigFile, source: String) throws -> CLIPConfig {
        let t = raw.text_cfg
        func require(_ ok: Bool, _ field: String, _ reason: String) throws {
            if !ok { throw CLIPError.config(source: source, field: field, reason: reason) }
        }
        let vision = try timmVision(raw.vision_cfg, source: source)
        // (`quick_gelu` does not reach a timm tower: open_clip builds timm's own activation whatever the flag.)
        try require(t.no_causal_mask == true, "text_cfg.no_causal_mask", "SigLIP's text tower attends both ways (true)")
        try require(
            t.pool_type == "last", "text_cfg.pool_type",
            "SigLIP's text tower is pooled at its last position ('last'), got '\(t.pool_type ?? "argmax")'")
        try require(t.proj_bias == true, "text_cfg.proj_bias", "SigLIP's text projection has a bias (true)")
        let textActivation: Activation
        switch (raw.quick_gelu ?? false, t.act_kwargs?.approximate ?? "none") {
        case (true, _): textActivation = .quickGELU
        case (false, "tanh"): textActivation = .geluTanh
        case (false, "none"): textActivation = .gelu
        case let (false, other):
            throw CLIPError.config(
                source: source, field: "text_cfg.act_kwargs.approximate",
                reason: "unsupported GELU approximation '\(other)' (supported: none, tanh)")
        }
        let width = t.width ?? 512
        let transformer = TransformerConfig(
            width: width, layers: t.layers ?? 12, heads: t.heads ?? 8,
            mlpWidth: Int(Double(width) * (t.mlp_ratio ?? 4.0)),
            activation: textActivation, layerNormEps: t.norm_kwargs?.eps ?? 1e-5)
        let text = TextConfig(
            transformer: transformer, contextLength: t.context_length ?? 77,
            vocabSize: t.vocab_size ?? 49408, style: .siglip)
        try require(
            raw.embed_dim == vision.transformer.width, "embed_dim",
            "\(raw.embed_dim) differs from the image tower's width \(vision.transformer.width) "
                + "(SigLIP's image embedding is its width)")
        let config = CLIPConfig(image: .siglip(vision), text: text, embedDim: raw.embed_dim)
        try config.validate(source: source)
        return config
    }

    /// The timm tower `vision_cfg` names: a known one's shape from `TimmSiglipTowers`; an unknown name read
    /// from the config's own `width`, `layers`, `head_width`, `mlp_ratio`, `patch_size` and `image_size` when
    /// they are given (exact GELU, as timm's ViT default). Its pool must be MAP and its projection none.
    private static func timmVision(_ v: OpenCLIPConfigFile.Vision, source: String) throws -> VisionConfig {
        func require(_ ok: Bool, _ field: String, _ reason: String) throws {
            if !ok { throw CLIPError.config(source: source, field: field, reason: reason) }
        }
        let timmName = v.timm_model_name ?? ""
        let vision: VisionConfig
        if let known = TimmSiglipTowers.vision(named: timmName) {
            vision = known
        } else if let width = v.width, case let .count(layers)? = v.layers {
            let headWidth = v.head_width ?? 64
            try require(
                headWidth > 0 && width % headWidth == 0, "vision_cfg.head_width",
                "width \(width) is not divisible by head_width \(headWidth)")
            let transformer = TransformerConfig(
                width: width, layers: layers, heads: width / headWidth,
                mlpWidth: Int(Double(width) * (v.mlp_ratio ?? 4.0)), activation: .gelu,
                layerNormEps: 1e-6)
            vision = VisionConfig(
                transformer: transformer, imageSize: v.image_size?.value ?? 224,
                patchSize: v.patch_size ?? 16, classToken: false)
        } else {
            let known = TimmSiglipTowers.names.sorted().joined(separator: ", ")
            throw CLIPError.config(
                source: source, field: "vision_cfg.timm_model_name",
                reason: "'\(timmName)' is not a timm tower SwiftCLIP knows (SigLIP's MAP-pooled ViTs: \(known))")
        }
        try require(
            (v.timm_pool ?? "avg") == "map", "vision_cfg.timm_pool",
            "timm image towers are read for SigLIP's attention-pooling head ('map') only, "
                + "got '\(v.timm_pool ?? "avg")'")
        try require(
            (v.timm_proj ?? "linear") == "none", "vision_cfg.timm_proj",
            "SigLIP's image embedding is the pooled token itself ('none'), got '\(v.timm_proj ?? "linear")'")
        return vision
    }
}
