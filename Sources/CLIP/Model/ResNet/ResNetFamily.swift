import Foundation

/// OpenAI's ModifiedResNet image tower (RN50 … RN50x64) beside CLIP's causal text tower: open_clip JSON and
/// OpenAI-named state dicts only (transformers has no ResNet CLIP).
enum ResNetFamily: CausalTextFamily {
    static let kind = FamilyKind.modifiedResNet

    /// Convolutions and an attention pool: no residual transformer blocks to observe.
    static var imageTowerHasBlocks: Bool { false }

    static func imageTower(
        _ config: CLIPConfig, from reader: WeightReader, layout: CheckpointLayout,
        packing: LinearPacking
    ) throws -> any ImageTower {
        // A ViT's file fails on dozens of tensors; say what it is instead.
        let keys = reader.file.entries.keys
        if keys.contains("visual.class_embedding") || keys.contains("vision_model.embeddings.class_embedding") {
            throw CLIPError.checkpoint(
                file: reader.file.path, tensor: "visual.class_embedding",
                reason: "the file holds a ViT image tower, but the config describes a ModifiedResNet: "
                    + "use the ViT's config")
        }
        guard case let .modifiedResNet(resnet) = config.image else {
            preconditionFailure("ResNetFamily asked for a \(config.image.family.rawValue) tower")
        }
        guard layout == .openCLIP else {
            throw CLIPError.checkpoint(
                file: reader.file.path, tensor: nil,
                reason: "the config describes a ModifiedResNet, but the file has Hugging Face keys (transformers has "
                    + "no ResNet CLIP): the config and the weights do not match")
        }
        let weights = ResNetKeyMap.weights(from: reader, config: resnet, embedDim: config.embedDim)
        return ModifiedResNet(config: resnet, embedDim: config.embedDim, weights: weights)
    }
}

// The ModifiedResNet's config in each layout it comes in.
extension ResNetFamily {
    /// An open_clip model JSON whose `vision_cfg.layers` lists blocks per stage (`_build_vision_tower`):
    /// heads from the pool width (width · 32) and `head_width`, as `build_model` derives them.
    static func config(openCLIP raw: OpenCLIPConfigFile, source: String) throws -> CLIPConfig {
        try raw.requireCausalText(source: source)
        let v = raw.vision_cfg
        guard case let .stages(stages)? = v.layers else {
            preconditionFailure("FamilyTable gave a ViT's open_clip config to ResNetFamily")
        }
        let width = v.width ?? 64
        let resnet = ResNetConfig(
            layers: stages, width: width, imageSize: v.image_size?.value ?? 224,
            heads: max(1, width * 32 / (v.head_width ?? 64)))
        let config = CLIPConfig(image: .modifiedResNet(resnet), text: raw.causalText, embedDim: raw.embed_dim)
        try config.validate(source: source)
        return config
    }

    /// An OpenAI-named state dict without `visual.proj`: blocks per stage from the `visual.layerN.B` names,
    /// width from `layer1.0.conv1`, input size from the attention pool's positions.
    static func config(stateDict shapes: StateDictShapes) throws -> CLIPConfig {
        let layers = try (1...4).map { stage -> Int in
            let count = shapes.distinct("visual.layer\(stage).", at: 2)
            guard count > 0 else {
                throw CLIPError.checkpoint(
                    file: shapes.file.path, tensor: "visual.layer\(stage).0.conv1.weight",
                    reason: "missing: neither a ViT (visual.proj) nor a ModifiedResNet image tower")
            }
            return count
        }
        let width = try shapes.shape("visual.layer1.0.conv1.weight")[0]
        let positions = try shapes.shape("visual.attnpool.positional_embedding")[0]
        let grid = try shapes.side(positions, "visual.attnpool.positional_embedding")
        let resnet = ResNetConfig(layers: layers, width: width, imageSize: grid * 32, heads: max(1, width * 32 / 64))
        return try shapes.config(image: .modifiedResNet(resnet))
    }
}
