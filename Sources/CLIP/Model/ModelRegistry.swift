import Foundation

/// Where the model families are told apart, and nowhere else: a checkpoint's config names its family
/// (Hugging Face `model_type`; the shape of open_clip's `vision_cfg`), and each family builds its own image
/// tower from its own key map (`CheckpointLayout` for ViT, `ResNetKeyMap` for ModifiedResNet). Above the
/// engine every tower is an `ImageTower` / `TextTower`.
enum ModelRegistry {
    /// Hugging Face `model_type`s SwiftCLIP decodes, each with what it builds.
    static let huggingFaceFamilies: [String: String] = ["clip": "CLIP (ViT image tower, transformer text tower)"]
    /// Known families that are not supported yet, with what to say.
    static let huggingFaceNotYet: [String: String] = [
        "siglip": "SigLIP is not supported yet (its sigmoid-trained towers and SentencePiece tokenizer are a separate family)",
        "siglip2": "SigLIP 2 is not supported yet",
        "chinese_clip": "Chinese-CLIP (a BERT text tower) is not supported",
        "altclip": "AltCLIP (an XLM-R text tower) is not supported",
    ]

    /// The config of a Hugging Face `model_type`, decoded by its family's decoder, or an error that says the
    /// family is not supported.
    static func huggingFace(modelType: String, source: String, decode: () throws -> CLIPConfig) throws -> CLIPConfig {
        if huggingFaceFamilies[modelType] != nil { return try decode() }
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
