/// The ViT image tower's key map, in both checkpoint layouts: Hugging Face (`vision_model.*`,
/// `visual_projection`) and open_clip / OpenAI (`visual.conv1`, `visual.transformer.resblocks.N`, `visual.proj`).
extension CheckpointLayout {
    func visionWeights(_ r: WeightReader, _ v: VisionConfig, embedDim d: Int, packing: LinearPacking) -> VisionWeights {
        let c = v.transformer.width, p = v.patchSize, ch = v.channels
        let patchShape = [c, ch, p, p], patchView = [c, ch * p * p]
        switch self {
        case .huggingFace:
            let e = "vision_model.embeddings."
            return VisionWeights(
                patchWeight: packing.packPatch(r.take(e + "patch_embedding.weight", patchShape, as: patchView)),
                classEmbedding: r.take(e + "class_embedding", [c]),
                positions: r.take(e + "position_embedding.weight", [v.tokens, c]),
                lnPre: layerNorm(r, "vision_model.pre_layrnorm", c),
                stack: (0..<v.transformer.layers).map { block(r, "vision_model.encoder.layers.\($0).", v.transformer, packing) },
                lnPost: layerNorm(r, "vision_model.post_layernorm", c),
                projection: PackedWeights(r.take("visual_projection.weight", [d, c])))
        case .openCLIP:
            return VisionWeights(
                patchWeight: packing.packPatch(r.take("visual.conv1.weight", patchShape, as: patchView)),
                classEmbedding: r.take("visual.class_embedding", [c]),
                positions: r.take("visual.positional_embedding", [v.tokens, c]),
                lnPre: layerNorm(r, "visual.ln_pre", c),
                stack: (0..<v.transformer.layers).map { block(r, "visual.transformer.resblocks.\($0).", v.transformer, packing) },
                lnPost: layerNorm(r, "visual.ln_post", c),
                projection: PackedWeights(r.take("visual.proj", [c, d]).transposed()))
        }
    }
}
