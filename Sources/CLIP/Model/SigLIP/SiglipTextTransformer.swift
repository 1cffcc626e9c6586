import Foundation

/// Learned parameters of SigLIP's text tower.
struct SiglipTextWeights {
    let tokenEmbedding: Tensor  // [vocab, W]
    let positions: Tensor  // [context, W]
    let stack: [ResidualBlockWeights]
    let finalNorm: LayerNormWeights
    let head: PackedWeights  // [D, W]
    let headBias: Tensor  // [D]
}

/// SigLIP's text tower (transformers `SiglipTextTransformer`): token and position embeddings, residual
/// blocks attending both ways, `final_layer_norm`, and the last position through `head`. Attention is not
/// causal, so every position sees the padding: the text must come exactly as the reference pads it (to the
/// model's length, with `</s>`, as `SiglipTokenizer` does) — there is no end-of-text shortcut as in CLIP's
/// tower; each text costs its whole padded length.
public final class SiglipTextTransformer: TextTower, @unchecked Sendable {
    public let config: TextConfig
    public let embedDim: Int
    let weights: SiglipTextWeights
    let stack: TransformerStack
    let workspaces = WorkspacePool()
    /// Texts per forward call.
    public var batchLimit = 64

    init(config: TextConfig, embedDim: Int, weights: SiglipTextWeights) {
        self.config = config
        self.embedDim = embedDim
        self.weights = weights
        stack = TransformerStack(config: config.transformer, blocks: weights.stack)
    }

    public var packedLayers: [PackedLayer] {
        weights.stack.packedLayers + [PackedLayer("head", part: "head", weights.head)]
    }

    public func embed(tokens sequences: [[Int32]], normalize: Bool = true) throws -> Tensor {
        guard let length = sequences.first?.count else { return Tensor(zeros: [0, embedDim]) }
        for (i, seq) in sequences.enumerated() {
            guard seq.count == length, length >= 1, length <= config.contextLength else {
                throw CLIPError.invalidArgument(
                    """
                    text \(i) has \(seq.count) tokens; SigLIP takes texts padded to one length of at most \
                    \(config.contextLength) (SiglipTokenizer pads to it)
                    """
                )
            }
            try checkVocabulary(seq, text: i)
        }
        let out = Tensor(uninitialized: [sequences.count, embedDim])
        for start in stride(from: 0, to: sequences.count, by: batchLimit) {
            let group = Array(sequences[start..<min(sequences.count, start + batchLimit)])
            let embedded = workspaces.with(rows: group.count * length, config: config.transformer) { ws in
                forward(group, tokens: length, normalize: normalize, ws: ws)
            }
            (out.data + start * embedDim).update(from: embedded.data, count: group.count * embedDim)
        }
        return out
    }

    private func forward(_ sequences: [[Int32]], tokens: Int, normalize: Bool, ws: TransformerWorkspace) -> Tensor {
        let w = config.transformer.width
        TokenEmbedding.write(
            sequences, tokens: tokens, table: weights.tokenEmbedding, positions: weights.positions, width: w,
            into: ws.x.data)
        stack.forward(ws, batch: sequences.count, tokens: tokens, causal: false)
        return EmbeddingHead.project(
            ws, width: w, pooledRows: sequences.indices.map { $0 * tokens + tokens - 1 }, norm: weights.finalNorm,
            eps: config.transformer.layerNormEps, projection: weights.head, bias: weights.headBias.data,
            normalize: normalize)
    }
}
