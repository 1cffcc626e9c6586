import CLIP

final class VisionActivations {
    let batch: Int
    let cols: FlatBuffer  // [B·G², 3·p·p] im2col of the pixels
    let patches: FlatBuffer  // [B·G², C]
    let embedded: FlatBuffer  // [B·T, C] class token + patches + positions, before ln_pre
    let lnPreMean: FlatBuffer, lnPreRstd: FlatBuffer
    let stack: StackActivations
    let head: EmbeddingHeadActivations
    let dEmbedded: FlatBuffer, dPatches: FlatBuffer

    init(batch: Int, config v: VisionConfig, embedDim: Int) {
        self.batch = batch
        let c = v.transformer.width, t = v.tokens, patchRows = batch * (t - 1)
        cols = FlatBuffer(count: patchRows * v.channels * v.patchSize * v.patchSize)
        patches = FlatBuffer(count: patchRows * c)
        embedded = FlatBuffer(count: batch * t * c)
        lnPreMean = FlatBuffer(count: batch * t)
        lnPreRstd = FlatBuffer(count: batch * t)
        stack = StackActivations(batch: batch, tokens: t, config: v.transformer)
        head = EmbeddingHeadActivations(rows: (0..<batch).map { $0 * t }, width: c, embedDim: embedDim)
        dEmbedded = FlatBuffer(count: batch * t * c)
        dPatches = FlatBuffer(count: patchRows * c)
    }
}

/// The ViT image tower: conv patches → class token + positions → ln_pre → blocks → ln_post(class) → proj.
enum VisionTowerLayer {
    static func forward(
        _ a: VisionActivations, pixels: UnsafePointer<Float>, params p: UnsafePointer<Float>,
        offsets o: VisionOffsets, config v: VisionConfig, embedDim d: Int
    ) {
        let c = v.transformer.width, t = v.tokens, k = v.channels * v.patchSize * v.patchSize,
            patchRows = a.batch * (t - 1)
        PatchEmbedding.im2col(
            pixels, batch: a.batch, channels: v.channels, size: v.imageSize, patch: v.patchSize, into: a.cols.data)
        LinearLayer.forward(
            a.patches.data, a.cols.data, weight: p + o.patchWeight, bias: nil, rows: patchRows, inputs: k, outputs: c)
        EmbeddingLayers.visionForward(
            a.embedded.data, patches: a.patches.data, classEmbedding: p + o.classEmbedding,
            positions: p + o.positions, batch: a.batch, tokens: t, width: c)
        LayerNormLayer.forward(
            a.stack.input, mean: a.lnPreMean.data, rstd: a.lnPreRstd.data, a.embedded.data,
            gamma: p + o.lnPreGamma, beta: p + o.lnPreBeta, rows: a.batch * t, width: c, eps: v.transformer.layerNormEps
        )
        TransformerStackLayer.forward(a.stack, params: p, blocks: o.blocks, config: v.transformer, causal: false)
        EmbeddingHeadLayer.forward(
            a.head, stackOutput: a.stack.output.data, params: p, gamma: o.lnPostGamma, beta: o.lnPostBeta,
            projection: o.projection, width: c, embedDim: d, eps: v.transformer.layerNormEps)
    }

    /// `dPixels` (`[B, 3, S, S]`, overwritten) receives the gradient with respect to the normalised pixels
    /// when given: the patch GEMM's input gradient, scattered back from its im2col rows.
    static func backward(
        _ a: VisionActivations, dEmbeddings: UnsafePointer<Float>, params p: UnsafePointer<Float>,
        grads g: UnsafeMutablePointer<Float>, offsets o: VisionOffsets, config v: VisionConfig, embedDim d: Int,
        dPixels: UnsafeMutablePointer<Float>? = nil
    ) {
        let c = v.transformer.width, t = v.tokens, k = v.channels * v.patchSize * v.patchSize,
            patchRows = a.batch * (t - 1)
        EmbeddingHeadLayer.backward(
            a.head, dEmbeddings: dEmbeddings, dStackOutput: a.stack.dResidual.data, stackRows: a.batch * t,
            params: p, grads: g, gamma: o.lnPostGamma, beta: o.lnPostBeta, projection: o.projection, width: c,
            embedDim: d)
        TransformerStackLayer.backward(a.stack, params: p, grads: g, blocks: o.blocks, config: v.transformer)
        a.dEmbedded.zero()
        LayerNormLayer.backward(
            dinp: a.dEmbedded.data, dgamma: g + o.lnPreGamma, dbeta: g + o.lnPreBeta, dout: a.stack.dResidual.data,
            inp: a.embedded.data, gamma: p + o.lnPreGamma, mean: a.lnPreMean.data, rstd: a.lnPreRstd.data,
            rows: a.batch * t, width: c)
        EmbeddingLayers.visionBackward(
            dpatches: a.dPatches.data, dclass: g + o.classEmbedding, dpositions: g + o.positions,
            dx: a.dEmbedded.data, batch: a.batch, tokens: t, width: c)
        let dCols = dPixels == nil ? nil : FlatBuffer(count: patchRows * k)
        LinearLayer.backward(
            dinp: dCols?.data, dweight: g + o.patchWeight, dbias: nil, dout: a.dPatches.data, inp: a.cols.data,
            weight: p + o.patchWeight, rows: patchRows, inputs: k, outputs: c)
        if let dPixels, let dCols {
            PatchEmbedding.col2im(
                dCols.data, batch: a.batch, channels: v.channels, size: v.imageSize, patch: v.patchSize, into: dPixels)
        }
    }
}
