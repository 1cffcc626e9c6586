/// Key naming schemes of the two checkpoint layouts. Each family's key maps (`Model/<Family>/…KeyMap.swift`,
/// the shared blocks in `Model/ResidualBlockKeyMap.swift`) read them onto SwiftCLIP's one layout.
public enum CheckpointLayout: String, Sendable {
    /// transformers `CLIPModel`: `vision_model.encoder.layers.N.self_attn.q_proj.weight`, …
    case huggingFace
    /// open_clip `CLIP`: `visual.transformer.resblocks.N.attn.in_proj_weight`, …; its `CustomTextCLIP`
    /// (SigLIP: `visual.trunk.*` timm tower, `text.*`) too.
    case openCLIP

    /// Guesses the layout from the keys present.
    static func detect(_ file: SafeTensorsFile) throws -> CheckpointLayout {
        let keys = file.entries.keys
        if keys.contains(where: { $0.hasPrefix("vision_model.") || $0.hasPrefix("text_model.") }) {
            return .huggingFace
        }
        if keys.contains(where: { $0.hasPrefix("visual.") || $0 == "token_embedding.weight" }) {
            return .openCLIP
        }
        throw CLIPError.checkpoint(
            file: file.path, tensor: nil,
            reason: "neither a Hugging Face CLIPModel nor an open_clip checkpoint (no 'vision_model.*', "
                + "'text_model.*', 'visual.*' or 'token_embedding.weight' keys)")
    }

    /// Buffers that some exporters save and that carry no learned state.
    public static func isIgnoredBuffer(_ key: String) -> Bool {
        key.hasSuffix("position_ids") || key == "attn_mask" || key.hasSuffix(".attn_mask")
            || key.hasSuffix(".num_batches_tracked")
    }

    /// Whether `key` belongs to the image tower (its projection included).
    public func isVisionKey(_ key: String) -> Bool {
        switch self {
        case .huggingFace: return key.hasPrefix("vision_model.") || key.hasPrefix("visual_projection.")
        case .openCLIP: return key.hasPrefix("visual.")
        }
    }

    func isTextKey(_ key: String) -> Bool {
        switch self {
        case .huggingFace: return key.hasPrefix("text_model.") || key.hasPrefix("text_projection.")
        case .openCLIP:
            // `text.*`: open_clip's CustomTextCLIP (SigLIP) keeps its text tower under a prefix.
            return key.hasPrefix("token_embedding.") || key == "positional_embedding" || key.hasPrefix("transformer.")
                || key.hasPrefix("ln_final.") || key.hasPrefix("text_projection") || key.hasPrefix("text.")
        }
    }
}
