import Foundation

/// A model family as a plug-in: everything that differs between ViT, ModifiedResNet and SigLIP checkpoints
/// (config decoding per layout, key maps, tower builders, tokenizer, preprocessing defaults) sits behind
/// this protocol in the family's own folder, so nothing above `Model/` asks which family a model is.
/// Adding a family is one folder with a conforming type and one row in `FamilyTable`.
///
/// A family decodes only the layouts it has; `FamilyTable` hands it only those, and the defaults below
/// refuse the rest, so a new family need not spell out what it lacks.
protocol ModelFamily: Sendable {
    /// The family's name in configs, messages and `ImageTowerConfig.family`.
    static var kind: FamilyKind { get }

    /// Decodes a Hugging Face `config.json` whose `model_type` `FamilyTable` gave to this family.
    static func config(huggingFace data: Data, source: String) throws -> CLIPConfig
    /// Decodes an open_clip model JSON whose `vision_cfg` shape `FamilyTable` gave to this family.
    static func config(openCLIP raw: OpenCLIPConfigFile, source: String) throws -> CLIPConfig
    /// Reads the config off an OpenAI-named state dict's tensor shapes.
    static func config(stateDict shapes: StateDictShapes) throws -> CLIPConfig

    /// The image tower of `config`, read from `reader` with this family's key map for `layout`.
    static func imageTower(
        _ config: CLIPConfig, from reader: WeightReader, layout: CheckpointLayout,
        packing: LinearPacking
    ) throws -> any ImageTower

    /// How this family's text tower reads tokens: the first family of a style in `FamilyTable` builds it.
    static var textStyle: TextConfig.Style { get }
    /// The text tower of `config`, read with this family's key map for `layout`.
    static func textTower(
        _ config: CLIPConfig, from reader: WeightReader, layout: CheckpointLayout,
        packing: LinearPacking
    ) throws -> any TextTower
    /// The tokenizer for `text`, from the model's folder when it has one (`source` names the weights).
    static func tokenizer(folder: URL?, text: TextConfig, source: String) throws -> any TextTokenizer
    /// Whether the text tower reads its whole context whatever a text's length (what `clip bench` feeds it).
    static var textReadsWholeContext: Bool { get }

    /// Preprocessing when the model's folder declares none, at the model's input size.
    static func preprocessDefaults(imageSize: Int) -> PreprocessConfig
    /// Whether the image tower has transformer blocks whose activations `BlockObserver` sees.
    static var imageTowerHasBlocks: Bool { get }
    /// Whether `CLIPTraining`'s backward pass runs on this family's image tower.
    static var imageTowerHasBackward: Bool { get }
}

extension ModelFamily {
    static func config(huggingFace data: Data, source: String) throws -> CLIPConfig {
        throw CLIPError.config(
            source: source, field: "model_type",
            reason: "\(kind.rawValue) has no Hugging Face layout")
    }

    static func config(openCLIP raw: OpenCLIPConfigFile, source: String) throws -> CLIPConfig {
        throw CLIPError.config(source: source, field: "vision_cfg", reason: "\(kind.rawValue) has no open_clip layout")
    }

    static func config(stateDict shapes: StateDictShapes) throws -> CLIPConfig {
        throw CLIPError.checkpoint(
            file: shapes.file.path, tensor: nil,
            reason: "\(kind.rawValue) checkpoints carry no OpenAI-named state dict")
    }

    /// CLIP's mean and std with shortest-side resize and centre crop (`PreprocessConfig`'s own defaults).
    static func preprocessDefaults(imageSize: Int) -> PreprocessConfig {
        PreprocessConfig(size: imageSize)
    }

    static var imageTowerHasBlocks: Bool { true }
    static var imageTowerHasBackward: Bool { false }
}
