/// Learned parameters of the image tower.
struct VisionWeights {
    let patchWeight: PackedWeights  // [C, 3·p·p]  conv1 flattened
    let classEmbedding: Tensor  // [C]
    let positions: Tensor  // [tokens, C]
    let lnPre: LayerNormWeights
    let stack: [ResidualBlockWeights]
    let lnPost: LayerNormWeights
    let projection: PackedWeights  // [D, C]
}

/// The ViT image tower: patches → class token + positions → ln_pre → blocks → ln_post(class) → projection.
public final class VisionTransformer: ImageTower, @unchecked Sendable {
    public let config: VisionConfig
    public let embedDim: Int
    let weights: VisionWeights
    let stack: TransformerStack
    let workspaces = WorkspacePool()

    init(config: VisionConfig, embedDim: Int, weights: VisionWeights) {
        self.config = config
        self.embedDim = embedDim
        self.weights = weights
        self.stack = TransformerStack(config: config.transformer, blocks: weights.stack)
    }

    public var towerConfig: ImageTowerConfig { .vit(config) }

    public var packedLayers: [PackedLayer] {
        [PackedLayer("patch", part: "patch embedding", weights.patchWeight)] + weights.stack.packedLayers
            + [PackedLayer("projection", part: "head", weights.projection)]
    }

    /// Embeds preprocessed images.
    /// - Parameter pixels: `[batch, 3, imageSize, imageSize]`, already normalised with the model's mean/std.
    /// - Returns: `[batch, embedDim]`, L2-normalised unless `normalize` is false.
    public func embed(pixels: Tensor, normalize: Bool, observer: BlockObserver?) throws -> Tensor {
        try checkPixels(pixels)
        let batch = pixels.shape[0]
        return workspaces.with(rows: batch * config.tokens, config: config.transformer) { ws in
            forward(pixels: pixels, batch: batch, ws: ws, normalize: normalize, observer: observer)
        }
    }

    private func forward(
        pixels: Tensor, batch: Int, ws: TransformerWorkspace, normalize: Bool, observer: BlockObserver?
    ) -> Tensor {
        let c = config.transformer.width, grid = config.gridSize, tokens = config.tokens
        // The patches go to the qkv buffer: the class token takes row 0 of each image in the residual stream.
        let patchOut = ws.qkv.data
        PatchEmbedding.forward(
            pixels, batch: batch, channels: config.channels, size: config.imageSize, patch: config.patchSize,
            weights: weights.patchWeight, ws: ws, into: patchOut)
        let pos = weights.positions.data, cls = weights.classEmbedding.data
        for b in 0..<batch {
            let x = ws.x.data + b * tokens * c
            for j in 0..<c { x[j] = cls[j] + pos[j] }
            for t in 1..<tokens {
                let src = patchOut + (b * grid * grid + t - 1) * c, dst = x + t * c, pe = pos + t * c
                for j in 0..<c { dst[j] = src[j] + pe[j] }
            }
        }
        // ln_pre rewrites the residual stream itself (it is not a branch).
        LayerNormKernel.forward(
            ws.x.data, rows: batch * tokens, width: c, gamma: weights.lnPre.gamma.data,
            beta: weights.lnPre.beta.data, eps: config.transformer.layerNormEps, into: ws.x.data)
        stack.forward(ws, batch: batch, tokens: tokens, causal: false, observer: observer)
        return EmbeddingHead.project(
            ws, width: c, pooledRows: (0..<batch).map { $0 * tokens }, norm: weights.lnPost,
            eps: config.transformer.layerNormEps, projection: weights.projection, normalize: normalize)
    }
}
