import Foundation

// The ViT family's config in each layout it comes in, with that layout's own defaults.
extension ViTFamily {
    /// A Hugging Face `CLIPModel` `config.json` (`model_type` "clip"): transformers' defaults are
    /// ViT-B/32 at 224 px beside a 12-layer, 512-wide text tower, QuickGELU, ε 1e-5.
    static func config(huggingFace data: Data, source: String) throws -> CLIPConfig {
        let raw = try HFConfigFile.decode(data, source: source, what: "CLIP")
        let text = raw.text_config ?? HFTowerConfig()
        let vision = raw.vision_config ?? HFTowerConfig()
        func tower(
            _ c: HFTowerConfig, section: String, width: Int, layers: Int, heads: Int,
            mlp: Int
        ) throws -> TransformerConfig {
            let act = c.hidden_act ?? "quick_gelu"
            guard let activation = Activation(rawValue: act) else {
                throw CLIPError.config(
                    source: source, field: "\(section).hidden_act",
                    reason: "unsupported activation '\(act)' (supported: quick_gelu, gelu, relu)")
            }
            return TransformerConfig(
                width: c.hidden_size ?? width, layers: c.num_hidden_layers ?? layers,
                heads: c.num_attention_heads ?? heads, mlpWidth: c.intermediate_size ?? mlp,
                activation: activation, layerNormEps: c.layer_norm_eps ?? 1e-5)
        }
        let visionTower = try tower(vision, section: "vision_config", width: 768, layers: 12, heads: 12, mlp: 3072)
        let textTower = try tower(text, section: "text_config", width: 512, layers: 12, heads: 8, mlp: 2048)
        let config = CLIPConfig(
            vision: VisionConfig(
                transformer: visionTower, imageSize: vision.image_size ?? 224,
                patchSize: vision.patch_size ?? 32),
            text: TextConfig(
                transformer: textTower, contextLength: text.max_position_embeddings ?? 77,
                vocabSize: text.vocab_size ?? 49408),
            embedDim: raw.projection_dim ?? 512)
        if let channels = vision.num_channels, channels != 3 {
            throw CLIPError.config(
                source: source, field: "vision_config.num_channels",
                reason: "only 3-channel models are supported, got \(channels)")
        }
        try config.validate(source: source)
        return config
    }

    /// An open_clip model JSON whose `vision_cfg.layers` is a block count: heads from `head_width`.
    static func config(openCLIP raw: OpenCLIPConfigFile, source: String) throws -> CLIPConfig {
        try raw.requireCausalText(source: source)
        let v = raw.vision_cfg
        let width = v.width ?? 768
        let headWidth = v.head_width ?? 64
        var layers = 12
        if case let .count(count)? = v.layers { layers = count }
        let transformer = TransformerConfig(
            width: width, layers: layers, heads: max(1, width / headWidth),
            mlpWidth: Int(Double(width) * (v.mlp_ratio ?? 4.0)),
            activation: raw.activation)
        let vision = VisionConfig(
            transformer: transformer, imageSize: v.image_size?.value ?? 224,
            patchSize: v.patch_size ?? 16)
        let config = CLIPConfig(image: .vit(vision), text: raw.causalText, embedDim: raw.embed_dim)
        if width % headWidth != 0 {
            throw CLIPError.config(
                source: source, field: "vision_cfg.head_width",
                reason: "width \(width) is not divisible by head_width \(headWidth)")
        }
        try config.validate(source: source)
        return config
    }

    /// An OpenAI-named state dict with `visual.proj`: width and patch from `visual.conv1`, input size from
    /// the positional embedding's grid, layers from the in-projections.
    static func config(stateDict shapes: StateDictShapes) throws -> CLIPConfig {
        let conv = try shapes.shape("visual.conv1.weight")
        let width = conv[0]
        let patch = conv[3]
        let positions = try shapes.shape("visual.positional_embedding")[0]
        let layers = shapes.file.entries.keys.filter {
            $0.hasPrefix("visual.") && $0.hasSuffix(".attn.in_proj_weight")
        }.count
        let mlp = try shapes.shape("visual.transformer.resblocks.0.mlp.c_fc.weight")[0]
        let transformer = TransformerConfig(
            width: width, layers: layers, heads: max(1, width / 64), mlpWidth: mlp,
            activation: .quickGELU)
        let grid = try shapes.side(positions, "visual.positional_embedding")
        return try shapes.config(
            image: .vit(
                VisionConfig(
                    transformer: transformer, imageSize: patch * grid,
                    patchSize: patch)))
    }
}
