import Foundation

/// SigLIP's key map in transformers' layout (`SiglipModel`): `vision_model.embeddings.patch_embedding`
/// (with its bias), `vision_model.embeddings.position_embedding`, the encoder layers as CLIP's,
/// `vision_model.post_layernorm`, `vision_model.head.{probe, attention.in_proj_*, attention.out_proj,
/// layernorm, mlp.fc1, mlp.fc2}`; `text_model.*` likewise with `final_layer_norm` and `head`.
enum SiglipKeyMap {
    static func visionWeights(_ r: WeightReader, _ v: VisionConfig, packing: LinearPacking) -> SiglipVisionWeights {
        let c = v.transformer.width, p = v.patchSize, f = v.transformer.mlpWidth, e = "vision_model.embeddings.", h = "vision_model.head."
        let layout = CheckpointLayout.huggingFace
        return SiglipVisionWeights(
            patchWeight: packing.packPatch(r.take(e + "patch_embedding.weight", [c, 3, p, p], as: [c, 3 * p * p])),
            patchBias: r.take(e + "patch_embedding.bias", [c]),
            positions: r.take(e + "position_embedding.weight", [v.tokens, c]),
            stack: (0..<v.transformer.layers).map { layout.block(r, "vision_model.encoder.layers.\($0).", v.transformer, packing) },
            postNorm: layout.layerNorm(r, "vision_model.post_layernorm", c),
            head: MAPHeadWeights(probe: r.take(h + "probe", [1, 1, c], as: [c]), inProjWeight: r.take(h + "attention.in_proj_weight", [3 * c, c]),
                                 inProjBias: r.take(h + "attention.in_proj_bias", [3 * c]), heads: v.transformer.heads,
                                 out: PackedWeights(r.take(h + "attention.out_proj.weight", [c, c])), outBias: r.take(h + "attention.out_proj.bias", [c]),
                                 norm: layout.layerNorm(r, h + "layernorm", c),
                                 fc: PackedWeights(r.take(h + "mlp.fc1.weight", [f, c])), fcBias: r.take(h + "mlp.fc1.bias", [f]),
                                 proj: PackedWeights(r.take(h + "mlp.fc2.weight", [c, f])), projBias: r.take(h + "mlp.fc2.bias", [c])))
    }

    static func textWeights(_ r: WeightReader, _ t: TextConfig, embedDim d: Int, packing: LinearPacking) -> SiglipTextWeights {
        let w = t.transformer.width, e = "text_model.embeddings."
        let layout = CheckpointLayout.huggingFace
        return SiglipTextWeights(
            tokenEmbedding: r.take(e + "token_embedding.weight", [t.vocabSize, w]),
            positions: r.take(e + "position_embedding.weight", [t.contextLength, w]),
            stack: (0..<t.transformer.layers).map { layout.block(r, "text_model.encoder.layers.\($0).", t.transformer, packing) },
            finalNorm: layout.layerNorm(r, "text_model.final_layer_norm", w),
            head: PackedWeights(r.take("text_model.head.weight", [d, w])), headBias: r.take("text_model.head.bias", [d]))
    }
}
