import Foundation

/// Where the model families are told apart, and nowhere else: a checkpoint's config names its family
/// (Hugging Face `model_type`; the shape of open_clip's `vision_cfg`), and each family builds its own image
/// tower from its own key map (`CheckpointLayout` for ViT, `ResNetKeyMap` for ModifiedResNet). Above the
/// engine every tower is an `ImageTower` / `TextTower`.
enum ModelRegistry {
    /// The text tower of `config`'s style, read with its key map.
    static func textTower(_ config: CLIPConfig, _ reader: WeightReader, layout: CheckpointLayout, packing: LinearPacking) throws -> any TextTower {
        switch config.text.style {
        case .clip:
            return TextTransformer(config: config.text, embedDim: config.embedDim,
                                   weights: layout.textWeights(reader, config.text, embedDim: config.embedDim, packing: packing))
        case .siglip:
            let weights = layout == .huggingFace ? SiglipKeyMap.textWeights(reader, config.text, embedDim: config.embedDim, packing: packing)
                : SiglipKeyMap.openCLIPTextWeights(reader, config.text, embedDim: config.embedDim, packing: packing)
            return SiglipTextTransformer(config: config.text, embedDim: config.embedDim, weights: weights)
        }
    }

    /// Hugging Face `model_type`s SwiftCLIP decodes, each with what it builds.
    static let huggingFaceFamilies: [String: String] = ["clip": "CLIP (ViT image tower, transformer text tower)",
                                                        "siglip": "SigLIP (ViT with a MAP head, bidirectional text tower)"]
    /// Known families that are not supported yet, with what to say.
    static let huggingFaceNotYet: [String: String] = [
        "siglip2": "SigLIP 2's NaFlex (variable-resolution) models are not supported; its fixed-resolution checkpoints (model_type siglip) are",
        "chinese_clip": "Chinese-CLIP (a BERT text tower) is not supported",
        "altclip": "AltCLIP (an XLM-R text tower) is not supported",
    ]

    /// The config of a Hugging Face `model_type`, decoded by its family's decoder, or an error that says the
    /// family is not supported.
    static func huggingFace(modelType: String, source: String, data: Data) throws -> CLIPConfig {
        switch modelType {
        case "clip": return try CLIPConfig(huggingFaceCLIP: data, source: source)
        case "siglip": return try CLIPConfig(huggingFaceSiglip: data, source: source)
        default: break
        }
        let reason = huggingFaceNotYet[modelType]
            ?? "unsupported model family '\(modelType)' (supported: \(huggingFaceFamilies.keys.sorted().joined(separator: ", ")))"
        throw CLIPError.config(source: source, field: "model_type", reason: reason)
    }

    /// The image tower of `config`'s family, read with its key map.
    static func imageTower(_ config: CLIPConfig, _ reader: WeightReader, layout: CheckpointLayout, packing: LinearPacking) throws -> any ImageTower {
        // A file of the other family fails on dozens of tensors; say what it is instead.
        let keys = reader.file.entries.keys
        let holdsResNet = keys.contains("visual.attnpool.positional_embedding")
        let holdsViT = keys.contains("visual.class_embedding") || keys.contains("vision_model.embeddings.class_embedding")
        if config.image.family == .vit, holdsResNet {
            throw CLIPError.checkpoint(file: reader.file.path, tensor: "visual.attnpool.positional_embedding",
                                       reason: "the file holds a ModifiedResNet image tower, but the config describes a ViT: use the ResNet's config (e.g. --model-name RN50-quickgelu)")
        }
        if config.image.family == .modifiedResNet, holdsViT {
            throw CLIPError.checkpoint(file: reader.file.path, tensor: "visual.class_embedding",
                                       reason: "the file holds a ViT image tower, but the config describes a ModifiedResNet: use the ViT's config")
        }
        switch config.image {
        case let .vit(vision):
            return VisionTransformer(config: vision, embedDim: config.embedDim,
                                     weights: layout.visionWeights(reader, vision, embedDim: config.embedDim, packing: packing))
        case let .siglip(vision):
            let weights = layout == .huggingFace ? SiglipKeyMap.visionWeights(reader, vision, packing: packing)
                : SiglipKeyMap.timmVisionWeights(reader, vision, packing: packing)
            return SiglipVisionTransformer(config: vision, weights: weights)
        case let .modifiedResNet(resnet):
            guard layout == .openCLIP else {
                throw CLIPError.checkpoint(file: reader.file.path, tensor: nil,
                                           reason: "the config describes a ModifiedResNet, but the file has Hugging Face keys (transformers has no ResNet CLIP): the config and the weights do not match")
            }
            return ModifiedResNet(config: resnet, embedDim: config.embedDim,
                                  weights: ResNetKeyMap.weights(reader, resnet, embedDim: config.embedDim))
        }
    }
}
