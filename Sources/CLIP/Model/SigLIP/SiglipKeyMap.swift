import Foundation

/// SigLIP's key maps, one per checkpoint layout, into the same weights:
/// - transformers' `SiglipModel`: `vision_model.embeddings.patch_embedding` (with its bias),
///   `vision_model.embeddings.position_embedding`, the encoder layers as CLIP's, `vision_model.post_layernorm`,
///   `vision_model.head.{probe, attention.in_proj_*, attention.out_proj, layernorm, mlp.fc1, mlp.fc2}`;
///   `text_model.*` likewise with `final_layer_norm` and `head`.
/// - open_clip's `CustomTextCLIP` with a timm tower: `visual.trunk.{patch_embed.proj, pos_embed, blocks.N.{norm1,
///   attn.qkv, attn.proj, norm2, mlp.fc1, mlp.fc2}, norm, attn_pool.{latent, q, kv, proj, norm, mlp}}` and
///   `text.{token_embedding, positional_embedding, transformer.resblocks.N (open_clip's blocks), ln_final,
///   text_projection (a Linear with a bias)}`. timm's separate `q` and `kv` are the fused in-projection's rows.
enum SiglipKeyMap {
    static func visionWeights(
        from reader: WeightReader, config v: VisionConfig,
        packing: LinearPacking
    ) -> SiglipVisionWeights {
        let r = reader
        let c = v.transformer.width
        let p = v.patchSize
        let f = v.transformer.mlpWidth
        let e = "vision_model.embeddings."
        let h = "vision_model.head."
        let layout = CheckpointLayout.huggingFace
        return SiglipVisionWeights(
            patchWeight: packing.packPatch(r.take(e + "patch_embedding.weight", [c, 3, p, p], as: [c, 3 * p * p])),
            patchBias: r.take(e + "patch_embedding.bias", [c]),
            positions: r.take(e + "position_embedding.weight", [v.tokens, c]),
            stack: layout.stack(
                from: r, prefix: "vision_model.encoder.layers.", shape: v.transformer,
                packing: packing),
            postNorm: layout.layerNorm(from: r, prefix: "vision_model.post_layernorm", width: c),
            head: MAPHeadWeights(
                probe: r.take(h + "probe", [1, 1, c], as: [c]),
                inProjWeight: r.take(h + "attention.in_proj_weight", [3 * c, c]),
                inProjBias: r.take(h + "attention.in_proj_bias", [3 * c]), heads: v.transformer.heads,
                out: PackedWeights(r.take(h + "attention.out_proj.weight", [c, c])),
                outBias: r.take(h + "attention.out_proj.bias", [c]),
                norm: layout.layerNorm(from: r, prefix: h + "layernorm", width: c),
                fc: PackedWeights(r.take(h + "mlp.fc1.weight", [f, c])), fcBias: r.take(h + "mlp.fc1.bias", [f]),
                proj: PackedWeights(r.take(h + "mlp.fc2.weight", [c, f])), projBias: r.take(h + "mlp.fc2.bias", [c])))
    }

    static func textWeights(
        from reader: WeightReader, config t: TextConfig, embedDim d: Int,
        packing: LinearPacking
    ) -> SiglipTextWeights {
        let r = reader
        let w = t.transformer.width
        let e = "text_model.embeddings."
        let layout = CheckpointLayout.huggingFace
        return SiglipTextWeights(
            tokenEmbedding: r.take(e + "token_embedding.weight", [t.vocabSize, w]),
            positions: r.take(e + "position_embedding.weight", [t.contextLength, w]),
            stack: layout.stack(from: r, prefix: "text_model.encoder.layers.", shape: t.transformer, packing: packing),
            finalNorm: layout.layerNorm(from: r, prefix: "text_model.final_layer_norm", width: w),
            head: PackedWeights(r.take("text_model.head.weight", [d, w])),
            headBias: r.take("text_model.head.bias", [d]))
    }

    static func timmVisionWeights(
        from reader: WeightReader, config v: VisionConfig,
        packing: LinearPacking
    ) -> SiglipVisionWeights {
        let r = reader
        let c = v.transformer.width
        let p = v.patchSize
        let f = v.transformer.mlpWidth
        let t = "visual.trunk."
        let h = "visual.trunk.attn_pool."
        let layout = CheckpointLayout.openCLIP
        return SiglipVisionWeights(
            patchWeight: packing.packPatch(r.take(t + "patch_embed.proj.weight", [c, 3, p, p], as: [c, 3 * p * p])),
            patchBias: r.take(t + "patch_embed.proj.bias", [c]),
            positions: r.take(t + "pos_embed", [1, v.tokens, c], as: [v.tokens, c]),
            stack: (0..<v.transformer.layers).map {
                timmBlock(from: r, prefix: t + "blocks.\($0).", shape: v.transformer, packing: packing)
            },
            postNorm: layout.layerNorm(from: r, prefix: t + "norm", width: c),
            head: MAPHeadWeights(
                probe: r.take(h + "latent", [1, 1, c], as: [c]),
                inProjWeight: r.concatenate([(h + "q.weight", [c, c]), (h + "kv.weight", [2 * c, c])]),
                inProjBias: r.concatenate([(h + "q.bias", [c]), (h + "kv.bias", [2 * c])]), heads: v.transformer.heads,
                out: PackedWeights(r.take(h + "proj.weight", [c, c])), outBias: r.take(h + "proj.bias", [c]),
                norm: layout.layerNorm(from: r, prefix: h + "norm", width: c),
                fc: PackedWeights(r.take(h + "mlp.fc1.weight", [f, c])), fcBias: r.take(h + "mlp.fc1.bias", [f]),
                proj: PackedWeights(r.take(h + "mlp.fc2.weight", [c, f])), projBias: r.take(h + "mlp.fc2.bias", [c])))
    }

    /// One timm ViT block (`norm1`, fused `attn.qkv`, `attn.proj`, `norm2`, `mlp.fc1`, `mlp.fc2`).
    static func timmBlock(
        from reader: WeightReader, prefix p: String, shape: TransformerConfig,
        packing: LinearPacking
    ) -> ResidualBlockWeights {
        defer { reader.releaseTakenPages() }
        let r = reader
        let c = shape.width
        let f = shape.mlpWidth
        let layout = CheckpointLayout.openCLIP
        return ResidualBlockWeights(
            packing: packing,
            ln1: layout.layerNorm(from: r, prefix: p + "norm1", width: c),
            qkvWeight: r.take(p + "attn.qkv.weight", [3 * c, c]), qkvBias: r.take(p + "attn.qkv.bias", [3 * c]),
            outWeight: r.take(p + "attn.proj.weight", [c, c]), outBias: r.take(p + "attn.proj.bias", [c]),
            ln2: layout.layerNorm(from: r, prefix: p + "norm2", width: c),
            fcWeight: r.take(p + "mlp.fc1.weight", [f, c]), fcBias: r.take(p + "mlp.fc1.bias", [f]),
            projWeight: r.take(p + "mlp.fc2.weight", [c, f]), projBias: r.take(p + "mlp.fc2.bias", [c]))
    }

    static func openCLIPTextWeights(
        from reader: WeightReader, config t: TextConfig, embedDim d: Int,
        packing: LinearPacking
    ) -> SiglipTextWeights {
        let r = reader
        let w = t.transformer.width
        let layout = CheckpointLayout.openCLIP
        return SiglipTextWeights(
            tokenEmbedding: r.take("text.token_embedding.weight", [t.vocabSize, w]),
            positions: r.take("text.positional_embedding", [t.contextLength, w]),
            stack: layout.stack(from: r, prefix: "text.transformer.resblocks.", shape: t.transformer, packing: packing),
            finalNorm: layout.layerNorm(from: r, prefix: "text.ln_final", width: w),
            head: PackedWeights(r.take("text.text_projection.weight", [d, w])),
            headBias: r.take("text.text_projection.bias", [d]))
    }
}
