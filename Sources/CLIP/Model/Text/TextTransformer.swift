/// Learned parameters of the text tower.
struct TextWeights {
    let tokenEmbedding: Tensor  // [vocab, W]
    let positions: Tensor  // [context, W]
    let stack: [ResidualBlockWeights]
    let lnFinal: LayerNormWeights
    let projection: PackedWeights  // [D, W]
}

/// The causal text transformer, pooled at the end-of-text token.
public final class TextTransformer: TextTower, @unchecked Sendable {
    public let config: TextConfig
    public let embedDim: Int
    let weights: TextWeights
    let stack: TransformerStack
    let workspaces = WorkspacePool()

    /// Texts per forward call; bounds activation memory at `batchLimit × longest text`.
    public var batchLimit = 64

    init(config: TextConfig, embedDim: Int, weights: TextWeights) {
        self.config = config
        self.embedDim = embedDim
        self.weights = weights
        self.stack = TransformerStack(config: config.transformer, blocks: weights.stack)
    }

    public var packedLayers: [PackedLayer] {
        weights.stack.packedLayers + [PackedLayer("projection", part: "head", weights.projection)]
    }

    /// Embeds token sequences (each `[SOT, …, EOT, 0, …]`, as `Tokenizer.encode` makes them).
    ///
    /// The text is pooled at its highest token id (the EOT token, as open_clip's `argmax` and HF both do).
    /// Attention is causal, so positions after EOT cannot change it: each text is computed only up to its
    /// EOT, and texts are sorted by that length and batched with others of similar length.
    /// - Returns: `[texts, embedDim]` in input order, L2-normalised unless `normalize` is false.
    public func embed(tokens sequences: [[Int32]], normalize: Bool = true) throws -> Tensor {
        let d = embedDim
        var lengths = [Int](repeating: 0, count: sequences.count)
        for (i, seq) in sequences.enumerated() {
            guard !seq.isEmpty else { throw CLIPError.invalidArgument("text \(i) has no tokens") }
            try checkVocabulary(seq, text: i)
            var eot = 0
            for j in seq.indices where seq[j] > seq[eot] { eot = j }
            // Padding after EOT is never computed, so only the tokens up to EOT must fit the context.
            guard eot < config.contextLength else {
                throw CLIPError.invalidArgument(
                    "text \(i) has \(eot + 1) tokens up to its end; this model takes at most \(config.contextLength)")
            }
            lengths[i] = eot + 1
        }
        let out = Tensor(uninitialized: [sequences.count, d])
        let order = sequences.indices.sorted { lengths[$0] < lengths[$1] }
        var start = 0
        while start < order.count {
            let group = Array(order[start..<min(order.count, start + batchLimit)])
            start += group.count
            let embedded = forward(
                group.map { sequences[$0] }, tokens: lengths[group.last!], pooledAt: group.map { lengths[$0] - 1 },
                normalize: normalize)
            for (row, original) in group.enumerated() {
                (out.data + original * d).update(from: embedded.data + row * d, count: d)
            }
        }
        return out
    }

    private func forward(_ sequences: [[Int32]], tokens: Int, pooledAt: [Int], normalize: Bool) -> Tensor {
        workspaces.with(rows: sequences.count * tokens, config: config.transformer) { ws in
            forward(sequences, tokens: tokens, pooledAt: pooledAt, normalize: normalize, ws: ws)
        }
    }

    private func forward(
        _ sequences: [[Int32]], tokens: Int, pooledAt: [Int], normalize: Bool, ws: TransformerWorkspace
    ) -> Tensor {
        let w = config.transformer.width, batch = sequences.count
        TokenEmbedding.write(
            sequences, tokens: tokens, table: weights.tokenEmbedding, positions: weights.positions, width: w,
            into: ws.x.data)
        stack.forward(ws, batch: batch, tokens: tokens, causal: true)
        return EmbeddingHead.project(
            ws, width: w, pooledRows: pooledAt.enumerated().map { $0.offset * tokens + $0.element },
            norm: weights.lnFinal, eps: config.transformer.layerNormEps,
            projection: weights.projection, normalize: normalize)
    }
}

/// Token plus position embeddings into the residual stream, `[texts · tokens, width]`: both text towers'
/// first step. A sequence shorter than `tokens` is read as padded with id 0.
enum TokenEmbedding {
    static func write(
        _ sequences: [[Int32]], tokens: Int, table: Tensor, positions: Tensor, width w: Int,
        into x: UnsafeMutablePointer<Float>
    ) {
        for (b, seq) in sequences.enumerated() {
            for t in 0..<tokens {
                let id = t < seq.count ? Int(seq[t]) : 0
                let dst = x + (b * tokens + t) * w, emb = table.data + id * w, pe = positions.data + t * w
                for j in 0..<w { dst[j] = emb[j] + pe[j] }
            }
        }
    }
}
