/// CLIP's causal text tower's key map, in both layouts: transformers' `text_model.*` + `text_projection`,
/// and open_clip / OpenAI's top-level `token_embedding`, `transformer.resblocks.N`, `ln_final`,
/// `text_projection` (stored `[in, out]`).
enum TextKeyMap {
    static func weights(
        from reader: WeightReader, layout: CheckpointLayout, config t: TextConfig, embedDim d: Int,
        packing: LinearPacking
    ) -> TextWeights {
        let r = reader
        let w = t.transformer.width
        switch layout {
        case .huggingFace:
            let e = "text_model.embeddings."
            return TextWeights(
                tokenEmbedding: r.take(e + "token_embedding.weight", [t.vocabSize, w]),
                positions: r.take(e + "position_embedding.weight", [t.contextLength, w]),
                stack: layout.stack(
                    from: r, prefix: "text_model.encoder.layers.", shape: t.transformer,
                    packing: packing),
                lnFinal: layout.layerNorm(from: r, prefix: "text_model.final_layer_norm", width: w),
                projection: PackedWeights(r.take("text_projection.weight", [d, w])))
        case .openCLIP:
            return TextWeights(
                tokenEmbedding: r.take("token_embedding.weight", [t.vocabSize, w]),
                positions: r.take("positional_embedding", [t.contextLength, w]),
                stack: layout.stack(from: r, prefix: "transformer.resblocks.", shape: t.transformer, packing: packing),
                lnFinal: layout.layerNorm(from: r, prefix: "ln_final", width: w),
                projection: PackedWeights(r.take("text_projection", [w, d]).transposed()))
        }
    }
}
