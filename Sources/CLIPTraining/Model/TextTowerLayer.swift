import CLIP

final class TextActivations {
    let batch: Int
    let context: Int
    let endOfText: Int32
    private(set) var ids: [Int32]  // [B, T]
    let stack: StackActivations
    let head: EmbeddingHeadActivations

    init(batch: Int, config t: TextConfig, embedDim: Int) {
        self.batch = batch
        context = t.contextLength
        endOfText = Int32(t.vocabSize - 1)
        ids = [Int32](repeating: 0, count: batch * t.contextLength)
        stack = StackActivations(batch: batch, tokens: t.contextLength, config: t.transformer)
        head = EmbeddingHeadActivations(
            rows: [Int](repeating: 0, count: batch), width: t.transformer.width, embedDim: embedDim)
    }

    /// Sets the batch's tokens (`[batch, context]`). Each row is pooled at its first end-of-text token, the
    /// highest id in the vocabulary (what CLIP's `argmax(ids)` picks). Attention is causal, so positions
    /// after the last EOT of the batch influence nothing: the tower runs only up to it, with identical
    /// results and gradients.
    func setTokens(_ tokens: [Int32]) {
        precondition(tokens.count == batch * context, "\(tokens.count) token ids for a batch of \(batch) × \(context)")
        let positions = (0..<batch).map { b -> Int in
            let row = tokens[(b * context)..<((b + 1) * context)]
            let position = row.firstIndex(of: endOfText) ?? row.indices.max { row[$0] < row[$1] }!
            return position - row.startIndex
        }
        let used = (positions.max() ?? 0) + 1
        ids = (0..<batch).flatMap { tokens[($0 * context)..<($0 * context + used)] }
        stack.tokens = used
        head.rows = positions.enumerated().map { $0.offset * used + $0.element }
    }
}

/// The text tower: token + position embeddings → causal blocks → ln_final(EOT) → projection.
enum TextTowerLayer {
    static func forward(
        _ a: TextActivations, params p: UnsafePointer<Float>, offsets o: TextOffsets, config t: TextConfig,
        embedDim d: Int
    ) {
        let c = t.transformer.width
        a.ids.withUnsafeBufferPointer { ids in
            EmbeddingLayers.textForward(
                a.stack.input, ids: ids.baseAddress!, tokenEmbedding: p + o.tokenEmbedding,
                positions: p + o.positions, batch: a.batch, tokens: a.stack.tokens, width: c)
        }
        TransformerStackLayer.forward(a.stack, params: p, blocks: o.blocks, config: t.transformer, causal: true)
        EmbeddingHeadLayer.forward(
            a.head, stackOutput: a.stack.output.data, params: p, gamma: o.lnFinalGamma, beta: o.lnFinalBeta,
            projection: o.projection, width: c, embedDim: d, eps: t.transformer.layerNormEps)
    }

    static func backward(
        _ a: TextActivations, dEmbeddings: UnsafePointer<Float>, params p: UnsafePointer<Float>,
        grads g: UnsafeMutablePointer<Float>, offsets o: TextOffsets, config t: TextConfig, embedDim d: Int
    ) {
        let c = t.transformer.width, n = a.stack.tokens
        EmbeddingHeadLayer.backward(
            a.head, dEmbeddings: dEmbeddings, dStackOutput: a.stack.dResidual.data, stackRows: a.batch * n,
            params: p, grads: g, gamma: o.lnFinalGamma, beta: o.lnFinalBeta, projection: o.projection, width: c,
            embedDim: d)
        TransformerStackLayer.backward(a.stack, params: p, grads: g, blocks: o.blocks, config: t.transformer)
        a.ids.withUnsafeBufferPointer { ids in
            EmbeddingLayers.textBackward(
                dtokenEmbedding: g + o.tokenEmbedding, dpositions: g + o.positions, dx: a.stack.dResidual.data,
                ids: ids.baseAddress!, batch: a.batch, tokens: n, width: c)
        }
    }
}
