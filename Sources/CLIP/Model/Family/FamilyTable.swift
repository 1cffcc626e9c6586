import Foundation

/// Where the model families are told apart, and nowhere else: a checkpoint's config names its family by
/// Hugging Face `model_type`, by the shape of open_clip's `vision_cfg`, or by which tensors an OpenAI-named
/// state dict holds. Adding a family is one row here (and its folder).
enum FamilyTable {
    /// Every family. The first of a text style builds that style's text tower (ViT and ResNet share CLIP's).
    static let families: [any ModelFamily.Type] = [ViTFamily.self, ResNetFamily.self, SiglipFamily.self]

    /// Hugging Face `model_type`s SwiftCLIP decodes, with the family and what it builds.
    static let huggingFace: [String: (family: any ModelFamily.Type, summary: String)] = [
        "clip": (ViTFamily.self, "CLIP (ViT image tower, transformer text tower)"),
        "siglip": (SiglipFamily.self, "SigLIP (ViT with a MAP head, bidirectional text tower)")
    ]

    /// Known `model_type`s that are not supported yet, with what to say.
    static let huggingFaceNotYet: [String: String] = [
        "siglip2": "SigLIP 2's NaFlex (variable-resolution) models are not supported; its fixed-resolution "
            + "checkpoints (model_type siglip) are",
        "chinese_clip": "Chinese-CLIP (a BERT text tower) is not supported",
        "altclip": "AltCLIP (an XLM-R text tower) is not supported"
    ]

    /// The family of an open_clip model JSON, by its `vision_cfg`: a timm tower is SigLIP's
    /// (`CustomTextCLIP`), a list of blocks per stage a ModifiedResNet (`_build_vision_tower`), else a ViT.
    static func openCLIP(_ vision: OpenCLIPConfigFile.Vision) -> any ModelFamily.Type {
        if vision.timm_model_name != nil { return SiglipFamily.self }
        if case .stages? = vision.layers { return ResNetFamily.self }
        return ViTFamily.self
    }

    /// The family of an OpenAI-named state dict, as `build_model_from_openai_state_dict` tells: a ViT
    /// when `visual.proj` is there, else a ModifiedResNet.
    static func stateDict(_ shapes: StateDictShapes) -> any ModelFamily.Type {
        shapes.has("visual.proj") ? ViTFamily.self : ResNetFamily.self
    }

    /// The family named `kind`.
    static func family(of kind: FamilyKind) -> any ModelFamily.Type {
        guard let family = families.first(where: { $0.kind == kind }) else {
            preconditionFailure("FamilyTable has no row for \(kind.rawValue)")
        }
        return family
    }

    /// The family whose text tower reads tokens as `style` says.
    static func family(ofText style: TextConfig.Style) -> any ModelFamily.Type {
        guard let family = families.first(where: { $0.textStyle == style }) else {
            preconditionFailure("FamilyTable has no family with a \(style.rawValue) text tower")
        }
        return family
    }
}
