import Foundation

/// SigLIP and SigLIP 2's fixed-resolution models: a ViT with no class token pooled by a MAP head, beside a
/// text tower attending both ways over its fixed length, with a SentencePiece tokenizer. transformers'
/// `SiglipModel` folders and open_clip's `CustomTextCLIP` with timm's towers.
enum SiglipFamily: ModelFamily {
    static let kind = FamilyKind.siglip
    static let textStyle = TextConfig.Style.siglip
    static var textReadsWholeContext: Bool { true }

    static func imageTower(
        _ config: CLIPConfig, from reader: WeightReader, layout: CheckpointLayout,
        packing: LinearPacking
    ) throws -> any ImageTower {
        guard case let .siglip(vision) = config.image else {
            preconditionFailure("SiglipFamily asked for a \(config.image.family.rawValue) tower")
        }
        let weights: SiglipVisionWeights
        switch layout {
        case .huggingFace: weights = SiglipKeyMap.visionWeights(from: reader, config: vision, packing: packing)
        case .openCLIP: weights = SiglipKeyMap.timmVisionWeights(from: reader, config: vision, packing: packing)
        }
        return SiglipVisionTransformer(config: vision, weights: weights)
    }

    static func textTower(
        _ config: CLIPConfig, from reader: WeightReader, layout: CheckpointLayout,
        packing: LinearPacking
    ) throws -> any TextTower {
        let weights: SiglipTextWeights
        switch layout {
        case .huggingFace:
            weights = SiglipKeyMap.textWeights(
                from: reader, config: config.text, embedDim: config.embedDim,
                packing: packing)
        case .openCLIP:
            weights = SiglipKeyMap.openCLIPTextWeights(
                from: reader, config: config.text, embedDim: config.embedDim,
                packing: packing)
        }
        return SiglipTextTransformer(config: config.text, embedDim: config.embedDim, weights: weights)
    }

    /// The folder's `tokenizer.json` or SentencePiece model, padding to the context length. There is no
    /// bundled one: a weights file alone cannot tokenize.
    static func tokenizer(folder: URL?, text: TextConfig, source: String) throws -> any TextTokenizer {
        guard let folder else {
            throw CLIPError.io(
                file: source,
                reason: "a SigLIP model needs its SentencePiece tokenizer: "
                    + "load its folder, not the weights file alone")
        }
        return try SiglipTokenizer.forFolder(folder, length: text.contextLength)
    }

    /// `SiglipImageProcessor` and open_clip's `_slpcfg`: mean and std 0.5, bicubic squash to the square,
    /// no crop.
    static func preprocessDefaults(imageSize: Int) -> PreprocessConfig {
        PreprocessConfig(size: imageSize, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], resizeMode: .squash)
    }
}
