/// Key naming schemes of the two checkpoint families, mapped onto SwiftCLIP's one layout
/// (fused qkv `[3C, C]`, projections stored `[out, in]`).
public enum CheckpointLayout: String, Sendable {
    /// transformers `CLIPModel`: `vision_model.encoder.layers.N.self_attn.q_proj.weight`, …
    case huggingFace
    /// open_clip `CLIP`: `visual.transformer.resblocks.N.attn.in_proj_weight`, …; its `CustomTextCLIP`
    /// (SigLIP: `visual.trunk.*` timm tower, `text.*`) too.
    case openCLIP

    /// Guesses the layout from the keys present.
    static func detect(_ file: SafeTensorsFile) throws -> CheckpointLayout {
        let keys = file.entries.keys
        if keys.contains(where: { $0.hasPrefix("vision_model.") || $0.hasPrefix("text_model.") }) { return .huggingFace }
        if keys.contains(where: { $0.hasPrefix("visual.") || $0 == "token_embedding.weight" }) { return .openCLIP }
        throw CLIPError.checkpoint(file: file.path, tensor: nil,
                                   reason: "neither a Hugging Face CLIPModel nor an open_clip checkpoint (no 'vision_model.*', 'text_model.*', 'visual.*' or 'token_embedding.weight' keys)")
    }

    /// Buffers that some exporters save and that carry no learned state.
    public static func isIgnoredBuffer(_ key: String) -> Bool {
        key.hasSuffix("position_ids") || key == "attn_mask" || key.hasSuffix(".attn_mask") || key.hasSuffix(".num_batches_tracked")
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

    func layerNorm(_ r: WeightReader, _ prefix: String, _ width: Int) -> LayerNormWeights {
        LayerNormWeights(gamma: r.take(prefix + ".weight", [width]), beta: r.take(prefix + ".bias", [width]))
    }

    func block(_ r: WeightReader, _ p: String, _ t: TransformerConfig, _ packing: LinearPacking) -> ResidualBlockWeights {
        defer { r.releaseTakenPages() }
        let c = t.width, f = t.mlpWidth
        switch self {
        case .huggingFace:
            let a = p + "self_attn."
            return ResidualBlockWeights(packing: packing,
                ln1: layerNorm(r, p + "layer_norm1", c),
                qkvWeight: r.stack(["q", "k", "v"].map { a + "\($0)_proj.weight" }, [c, c]),
                qkvBias: r.stack(["q", "k", "v"].map { a + "\($0)_proj.bias" }, [c]),
                outWeight: r.take(a + "out_proj.weight", [c, c]), outBias: r.take(a + "out_proj.bias", [c]),
                ln2: layerNorm(r, p + "layer_norm2", c),
                fcWeight: r.take(p + "mlp.fc1.weight", [f, c]), fcBias: r.take(p + "mlp.fc1.bias", [f]),
                projWeight: r.take(p + "mlp.fc2.weight", [c, f]), projBias: r.take(p + "mlp.fc2.bias", [c]))
        case .openCLIP:
            return ResidualBlockWeights(packing: packing,
                ln1: layerNorm(r, p + "ln_1", c),
                qkvWeight: r.take(p + "attn.in_proj_weight", [3 * c, c]), qkvBias: r.take(p + "attn.in_proj_bias", [3 * c]),
                outWeight: r.take(p + "attn.out_proj.weight", [c, c]), outBias: r.take(p + "attn.out_proj.bias", [c]),
                ln2: layerNorm(r, p + "ln_2", c),
                fcWeight: r.take(p + "mlp.c_fc.weight", [f, c]), fcBias: r.take(p + "mlp.c_fc.bias", [f]),
                projWeight: r.take(p + "mlp.c_proj.weight", [c, f]), projBias: r.take(p + "mlp.c_proj.bias", [c]))
        }
    }

    func textWeights(_ r: WeightReader, _ t: TextConfig, embedDim d: Int, packing: LinearPacking) -> TextWeights {
        let w = t.transformer.width
        switch self {
        case .huggingFace:
            let e = "text_model.embeddings."
            return TextWeights(
                tokenEmbedding: r.take(e + "token_embedding.weight", [t.vocabSize, w]),
                positions: r.take(e + "position_embedding.weight", [t.contextLength, w]),
                stack: (0..<t.transformer.layers).map { block(r, "text_model.encoder.layers.\($0).", t.transformer, packing) },
                lnFinal: layerNorm(r, "text_model.final_layer_norm", w),
                projection: PackedWeights(r.take("text_projection.weight", [d, w])))
        case .openCLIP:
            return TextWeights(
                tokenEmbedding: r.take("token_embedding.weight", [t.vocabSize, w]),
                positions: r.take("positional_embedding", [t.contextLength, w]),
                stack: (0..<t.transformer.layers).map { block(r, "transformer.resblocks.\($0).", t.transformer, packing) },
                lnFinal: layerNorm(r, "ln_final", w),
                projection: PackedWeights(r.take("text_projection", [w, d]).transposed()))
        }
    }
}
