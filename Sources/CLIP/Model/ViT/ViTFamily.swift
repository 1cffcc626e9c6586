import Foundation

/// CLIP's Vision Transformer (OpenAI ViT-B/32 … L/14-336, LAION, DataComp, DFN, MetaCLIP) beside CLIP's
/// causal text tower: Hugging Face `CLIPModel` folders, open_clip JSON and OpenAI-named state dicts.
/// Its config decoding is in `ViTConfigDecoding.swift`, its key map in `ViTKeyMap.swift`.
enum ViTFamily: CausalTextFamily {
    static let kind = FamilyKind.vit

    /// The only image tower `CLIPTraining` differentiates.
    static var imageTowerHasBackward: Bool { true }

    static func imageTower(
        _ config: CLIPConfig, from reader: WeightReader, layout: CheckpointLayout,
        packing: LinearPacking
    ) throws -> any ImageTower {
        // A ResNet's file fails on dozens of tensors; say what it is instead.
        if reader.file.entries["visual.attnpool.positional_embedding"] != nil {
            throw CLIPError.checkpoint(
                file: reader.file.path, tensor: "visual.attnpool.positional_embedding",
                reason: "the file holds a ModifiedResNet image tower, but the config describes a ViT: "
                    + "use the ResNet's config (e.g. --model-name RN50-quickgelu)")
        }
        guard case let .vit(vision) = config.image else {
            preconditionFailure("ViTFamily asked for a \(config.image.family.rawValue) tower")
        }
        let weights = ViTKeyMap.weights(
            from: reader, layout: layout, config: vision, embedDim: config.embedDim,
            packing: packing)
        return VisionTransformer(config: vision, embedDim: config.embedDim, weights: weights)
    }
}
