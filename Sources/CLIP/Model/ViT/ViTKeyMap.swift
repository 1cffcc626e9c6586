/// The ViT image tower's key map, in both checkpoint layouts: Hugging Face (`vision_model.*`,
/// `visual_projection`) and open_clip / OpenAI (`visual.conv1`, `visual.transformer.resblocks.N`, `visual.proj`).
/// The shared blocks are read by `ResidualBlockKeyMap.swift`, in the same layout.
enum ViTKeyMap {
    static func weights(
        from reader: WeightReader, layout: CheckpointLayout, config v: VisionConfig, embedDim d: Int,
        packing: LinearPacking
    ) -> VisionWeights {
        let r = reader
        let c = v.transformer.width
        let p = v.patchSize
        let patchShape = [c, v.channels, p, p]
        let patchView = [c, v.channels * p * p]
        switch layout {
        case .huggingFace:
            let e = "vision_model.embeddings."
            return VisionWeights(
                patchWeight: packing.packPatch(r.take(e + "patch_embedding.weight", patchShape, as: patchView)),
                classEmbedding: r.take(e + "class_embedding", [c]),
                positions: r.take(e + "position_embedding.weight", [v.tokens, c]),
                lnPre: layout.layerNorm(from: r, prefix: "vision_model.pre_layrnorm", width: c),
                stack: layout.stack(
                    from: r, prefix: "vision_model.encoder.layers.", shape: v.transformer,
                    packing: packing),
                lnPost: layout.layerNorm(from: r, prefix: "vision_model.post_layernorm", width: c),
                projection: PackedWeights(r.take("visual_projection.weight", [d, c])))
        case .openCLIP:
            return VisionWeights(
                patchWeight: packing.packPatch(r.take("visual.conv1.weight", patchShape, as: patchView)),
                classEmbedding: r.take("visual.class_embedding", [c]),
                positions: r.take("visual.positional_embedding", [v.tokens, c]),
                lnPre: layout.layerNorm(from: r, prefix: "visual.ln_pre", width: c),
                stack: layout.stack(
                    from: r, prefix: "visual.transformer.resblocks.", shape: v.transformer,
                    packing: packing),
                lnPost: layout.layerNorm(from: r, prefix: "visual.ln_post", width: c),
                projection: PackedWeights(r.take("visual.proj", [c, d]).transposed()))
        }
    }
}
