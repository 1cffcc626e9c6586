import Foundation

/// Learned parameters of SigLIP's image tower.
struct SiglipVisionWeights {
    let patchWeight: PackedWeights  // [C, 3·p·p]
    let patchBias: Tensor  // [C]
    let positions: Tensor  // [patches, C]
    let stack: [ResidualBlockWeights]
    let postNorm: LayerNormWeights
    let head: MAPHeadWeights
}

/// The multi-head attention pooling head: a learned probe attends to every token, then `h + MLP(LN(h))`.
struct MAPHeadWeights {
    /// The probe's query is the same for every image, and so is its product with the key weights: kept per
    /// head as `scale · K_hᵀ q_h` ([heads, C]); the keys' bias moves every score of a head alike (softmax
    /// ignores it).
    let keyProbe: Tensor
    let value: Tensor  // v rows of in_proj [C, C]
    let valueBias: Tensor  // [C]
    let out: PackedWeights  // out_proj [C, C]
    let outBias: Tensor
    let norm: LayerNormWeights
    let fc: PackedWeights  // [F, C]
    let fcBias: Tensor
    let proj: PackedWeights  // [C, F]
    let projBias: Tensor

    /// From the probe and the fused in-projection, as they are stored.
    init(
        probe: Tensor, inProjWeight: Tensor, inProjBias: Tensor, heads: Int, out: PackedWeights, outBias: Tensor,
        norm: LayerNormWeights, fc: PackedWeights, fcBias: Tensor, proj: PackedWeights, projBias: Tensor
    ) {
        let c = probe.count, hd = c / heads, scale = 1 / Float(hd).squareRoot()
        var q = [Float](repeating: 0, count: c)
        for r in 0..<c {
            var sum = inProjBias.data[r]
            for i in 0..<c { sum += inProjWeight.data[r * c + i] * probe.data[i] }
            q[r] = sum
        }
        let keyProbe = Tensor(zeros: [heads, c])
        for h in 0..<heads {
            for r in (h * hd)..<((h + 1) * hd) {
                let row = inProjWeight.data + (c + r) * c, qr = q[r] * scale
                for i in 0..<c { keyProbe.data[h * c + i] += qr * row[i] }
            }
        }
        let value = Tensor(uninitialized: [c, c]), valueBias = Tensor(uninitialized: [c])
        value.data.update(from: inProjWeight.data + 2 * c * c, count: c * c)
        valueBias.data.update(from: inProjBias.data + 2 * c, count: c)
        self.keyProbe = keyProbe
        self.value = value
        self.valueBias = valueBias
        self.out = out
        self.outBias = outBias
        self.norm = norm
        self.fc = fc
        self.fcBias = fcBias
        self.proj = proj
        self.projBias = projBias
    }
}

/// SigLIP's image tower (transformers `SiglipVisionTransformer`): patches with a bias, positions, the
/// residual blocks (LayerNorm ε from the config, 1e-6), `post_layernorm` over every token, and the MAP
/// head. The head's output is the embedding: there is no projection.
public final class SiglipVisionTransformer: ImageTower, @unchecked Sendable {
    public let config: VisionConfig
    public let embedDim: Int
    let weights: SiglipVisionWeights
    let stack: TransformerStack
    let workspaces = WorkspacePool()

    public var towerConfig: ImageTowerConfig { .siglip(config) }

    public var packedLayers: [PackedLayer] {
        let head = weights.head
        return [PackedLayer("patch", part: "patch embedding", weights.patchWeight)] + weights.stack.packedLayers
            + [("head.out", head.out), ("head.fc", head.fc), ("head.proj", head.proj)].map {
                PackedLayer($0.0, part: "head", $0.1)
            }
    }

    init(config: VisionConfig, weights: SiglipVisionWeights) {
        self.config = config
        embedDim = config.transformer.width
        self.weights = weights
        stack = TransformerStack(config: config.transformer, blocks: weights.stack)
    }

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
        let c = config.transformer.width, tokens = config.tokens, rows = batch * tokens
        // No class token: the patches are the residual stream.
        PatchEmbedding.forward(
            pixels, batch: batch, channels: 3, size: config.imageSize, patch: config.patchSize,
            weights: weights.patchWeight, bias: weights.patchBias.data, ws: ws, into: ws.x.data)
        let pos = weights.positions.data
        for b in 0..<batch {
            let x = ws.x.data + b * tokens * c
            for i in 0..<(tokens * c) { x[i] += pos[i] }
        }
        stack.forward(ws, batch: batch, tokens: tokens, causal: false, observer: observer)
        let eps = config.transformer.layerNormEps
        LayerNormKernel.forward(
            ws.x.data, rows: rows, width: c, gamma: weights.postNorm.gamma.data, beta: weights.postNorm.beta.data,
            eps: eps, into: ws.h.data)
        let out = attentionPool(ws.h.data, batch: batch, ws: ws)
        if normalize { Normalize.l2Rows(out.data, rows: batch, width: c) }
        return out
    }

    /// The probe attends to the tokens `x` ([batch, tokens, C]); then out_proj and `h + MLP(LN(h))`.
    private func attentionPool(_ x: UnsafePointer<Float>, batch: Int, ws: TransformerWorkspace) -> Tensor {
        let c = config.transformer.width, tokens = config.tokens, heads = config.transformer.heads
        let head = weights.head
        let attended = Tensor(uninitialized: [batch, c])
        // The probe is the same for every image: its per-head products with the keys were made at load.
        SingleQueryAttention.attend(
            x, images: batch, tokens: tokens, width: c, heads: heads,
            probe: { _, h, _ in
                UnsafePointer(head.keyProbe.data + h * c)
            }, value: head.value.data, valueBias: head.valueBias.data, into: attended.data)
        let hidden = Tensor(uninitialized: [batch, c]), normed = Tensor(uninitialized: [batch, c])
        GEMM.multiply(
            attended.data, ldx: c, rows: batch, weights: head.out, into: hidden.data, ldc: c, accumulate: false,
            bias: head.outBias.data, scratch: ws.scratch)
        LayerNormKernel.forward(
            hidden.data, rows: batch, width: c, gamma: head.norm.gamma.data, beta: head.norm.beta.data,
            eps: config.transformer.layerNormEps, into: normed.data)
        let f = head.fc.outFeatures, inner = Tensor(uninitialized: [batch, f])
        GEMM.multiply(
            normed.data, ldx: c, rows: batch, weights: head.fc, into: inner.data, ldc: f, accumulate: false,
            bias: head.fcBias.data, activation: config.transformer.activation, scratch: ws.scratch)
        GEMM.multiply(
            inner.data, ldx: f, rows: batch, weights: head.proj, into: hidden.data, ldc: c, accumulate: true,
            bias: head.projBias.data, scratch: ws.scratch)
        return hidden
    }
}
