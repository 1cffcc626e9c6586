/// The residual block and LayerNorm key maps shared by every transformer stack (ViT, CLIP's and SigLIP's
/// text towers), in both checkpoint layouts, onto SwiftCLIP's one layout (fused qkv `[3C, C]`, projections
/// stored `[out, in]`).
extension CheckpointLayout {
    /// A LayerNorm's `prefix.weight` and `prefix.bias`, both `[width]`.
    func layerNorm(from reader: WeightReader, prefix: String, width: Int) -> LayerNormWeights {
        LayerNormWeights(gamma: reader.take(prefix + ".weight", [width]), beta: reader.take(prefix + ".bias", [width]))
    }

    /// One residual block under `prefix` (ending in a dot): transformers' separate q, k and v projections are
    /// stacked into the fused in-projection that open_clip stores as is.
    func block(
        from reader: WeightReader, prefix p: String, shape: TransformerConfig,
        packing: LinearPacking
    ) -> ResidualBlockWeights {
        defer { reader.releaseTakenPages() }
        let r = reader
        let c = shape.width
        let f = shape.mlpWidth
        switch self {
        case .huggingFace:
            let a = p + "self_attn."
            return ResidualBlockWeights(
                packing: packing,
                ln1: layerNorm(from: r, prefix: p + "layer_norm1", width: c),
                qkvWeight: r.stack(["q", "k", "v"].map { a + "\($0)_proj.weight" }, [c, c]),
                qkvBias: r.stack(["q", "k", "v"].map { a + "\($0)_proj.bias" }, [c]),
                outWeight: r.take(a + "out_proj.weight", [c, c]), outBias: r.take(a + "out_proj.bias", [c]),
                ln2: layerNorm(from: r, prefix: p + "layer_norm2", width: c),
                fcWeight: r.take(p + "mlp.fc1.weight", [f, c]), fcBias: r.take(p + "mlp.fc1.bias", [f]),
                projWeight: r.take(p + "mlp.fc2.weight", [c, f]), projBias: r.take(p + "mlp.fc2.bias", [c]))
        case .openCLIP:
            return ResidualBlockWeights(
                packing: packing,
                ln1: layerNorm(from: r, prefix: p + "ln_1", width: c),
                qkvWeight: r.take(p + "attn.in_proj_weight", [3 * c, c]),
                qkvBias: r.take(p + "attn.in_proj_bias", [3 * c]),
                outWeight: r.take(p + "attn.out_proj.weight", [c, c]), outBias: r.take(p + "attn.out_proj.bias", [c]),
                ln2: layerNorm(from: r, prefix: p + "ln_2", width: c),
                fcWeight: r.take(p + "mlp.c_fc.weight", [f, c]), fcBias: r.take(p + "mlp.c_fc.bias", [f]),
                projWeight: r.take(p + "mlp.c_proj.weight", [c, f]), projBias: r.take(p + "mlp.c_proj.bias", [c]))
        }
    }

    /// The `layers` blocks of a stack, named `prefix` + index + ".".
    func stack(
        from reader: WeightReader, prefix: String, shape: TransformerConfig,
        packing: LinearPacking
    ) -> [ResidualBlockWeights] {
        (0..<shape.layers).map { block(from: reader, prefix: "\(prefix)\($0).", shape: shape, packing: packing) }
    }
}
