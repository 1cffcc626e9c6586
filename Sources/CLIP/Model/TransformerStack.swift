import Foundation

/// LayerNorm parameters (`weight`, `bias`), each `[width]`.
struct LayerNormWeights {
    let gamma: Tensor
    let beta: Tensor
}

/// One pre-LN residual block, named like open_clip's `ResidualAttentionBlock`.
struct ResidualBlockWeights {
    let ln1: LayerNormWeights
    let qkvWeight: PackedWeights  // [3C, C]  in_proj_weight (q, k, v stacked)
    let qkvBias: Tensor  // [3C]
    let outWeight: PackedWeights  // [C, C]   out_proj
    let outBias: Tensor  // [C]
    let ln2: LayerNormWeights
    let fcWeight: PackedWeights  // [F, C]   mlp.c_fc
    let fcBias: Tensor  // [F]
    let projWeight: PackedWeights  // [C, F]   mlp.c_proj
    let projBias: Tensor  // [C]
}

/// Activations for one forward call, sized once and reused by every block.
final class TransformerWorkspace {
    let rows: Int
    let x: Tensor  // [rows, C] residual stream
    let h: Tensor  // [rows, C] LayerNorm output
    let qkv: Tensor  // [rows, 3C]
    let attn: Tensor  // [rows, C]
    let mlp: Tensor  // [rows, F]
    let scratch = GEMMScratch()  // activations converted for bf16/int8 weights

    init(rows: Int, config: TransformerConfig) {
        self.rows = rows
        x = Tensor(uninitialized: [rows, config.width])
        h = Tensor(uninitialized: [rows, config.width])
        qkv = Tensor(uninitialized: [rows, 3 * config.width])
        attn = Tensor(uninitialized: [rows, config.width])
        mlp = Tensor(uninitialized: [rows, config.mlpWidth])
    }
}

/// Keeps the most recent forward pass's workspace for the next one. A batch-32 ViT-B/32 pass needs ~55 MB
/// of activations; allocating them anew each call cost page faults on every batch (a few % of an int8
/// pass). Concurrent callers each take their own workspace; at most one idle workspace is kept.
final class WorkspacePool: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: TransformerWorkspace?

    /// Runs `body` with a workspace of at least `rows` rows (the buffers' first `rows` rows are used).
    func with<T>(rows: Int, config: TransformerConfig, _ body: (TransformerWorkspace) throws -> T) rethrows -> T {
        lock.lock()
        var ws = idle
        if let cached = ws, cached.rows >= rows {
            idle = nil
        } else {
            ws = nil
        }
        lock.unlock()
        let workspace = ws ?? TransformerWorkspace(rows: rows, config: config)
        defer {
            lock.lock()
            if idle == nil || idle!.rows < workspace.rows { idle = workspace }
            lock.unlock()
        }
        return try body(workspace)
    }
}

/// What a forward pass shows of one residual block, for analysis (`clip lab activations`): the MLP's hidden
/// activations after its non-linearity, `[rows, width]` with `rows` = images × `tokensPerImage`. The buffer
/// is only valid during the call.
public struct BlockActivations {
    public let block: Int
    public let values: UnsafeBufferPointer<Float>
    public let rows: Int
    public let width: Int
    public let tokensPerImage: Int
}

/// Called once per residual block during a forward pass. Passing none costs one nil check per block.
public typealias BlockObserver = (BlockActivations) -> Void

/// The stack of residual blocks shared by both towers.
struct TransformerStack {
    let config: TransformerConfig
    let blocks: [ResidualBlockWeights]

    /// Runs every block over `ws.x` (`[batch·tokens, width]`) in place.
    ///
    /// Per block: `x += Attn(LN1(x))`, then `x += MLP(LN2(x))`. Each residual add happens inside the GEMM
    /// (beta = 1), and the GEMM's bias is folded into the LayerNorm pass that follows it. The MLP's bias +
    /// GELU is one pass after the fp32 GEMM, and part of the kernel's output pass for bf16/int8.
    func forward(_ ws: TransformerWorkspace, batch: Int, tokens: Int, causal: Bool, observer: BlockObserver? = nil) {
        let c = config.width, f = config.mlpWidth, rows = batch * tokens, eps = config.layerNormEps
        guard let first = blocks.first else { return }
        LayerNormKernel.forward(
            ws.x.data, rows: rows, width: c, gamma: first.ln1.gamma.data, beta: first.ln1.beta.data, eps: eps,
            into: ws.h.data)
        for (index, block) in blocks.enumerated() {
            GEMM.multiply(
                ws.h.data, ldx: c, rows: rows, weights: block.qkvWeight, into: ws.qkv.data, ldc: 3 * c,
                accumulate: false, scratch: ws.scratch)
            AttentionKernel.forward(
                qkv: ws.qkv.data, bias: block.qkvBias.data, into: ws.attn.data,
                batch: batch, tokens: tokens, width: c, heads: config.heads, causal: causal,
                kernels: block.qkvWeight.kernels)
            GEMM.multiply(
                ws.attn.data, ldx: c, rows: rows, weights: block.outWeight, into: ws.x.data, ldc: c, accumulate: true,
                scratch: ws.scratch)
            LayerNormKernel.forward(
                ws.x.data, rows: rows, width: c, addingBias: block.outBias.data,
                gamma: block.ln2.gamma.data, beta: block.ln2.beta.data, eps: eps, into: ws.h.data)
            GEMM.multiply(
                ws.h.data, ldx: c, rows: rows, weights: block.fcWeight, into: ws.mlp.data, ldc: f, accumulate: false,
                bias: block.fcBias.data, activation: config.activation, scratch: ws.scratch)
            observer?(
                BlockActivations(
                    block: index, values: UnsafeBufferPointer(start: ws.mlp.data, count: rows * f), rows: rows,
                    width: f,
                    tokensPerImage: tokens))
            GEMM.multiply(
                ws.mlp.data, ldx: f, rows: rows, weights: block.projWeight, into: ws.x.data, ldc: c, accumulate: true,
                scratch: ws.scratch)
            if index + 1 < blocks.count {
                let next = blocks[index + 1]
                LayerNormKernel.forward(
                    ws.x.data, rows: rows, width: c, addingBias: block.projBias.data,
                    gamma: next.ln1.gamma.data, beta: next.ln1.beta.data, eps: eps, into: ws.h.data)
            } else {
                LayerNormKernel.addBias(ws.x.data, rows: rows, width: c, bias: block.projBias.data)
            }
        }
    }
}

/// Pools selected rows of the residual stream, applies the final LayerNorm and the projection, and
/// L2-normalises: the common tail of both towers.
enum EmbeddingHead {
    static func project(
        _ ws: TransformerWorkspace, width: Int, pooledRows: [Int], norm: LayerNormWeights, eps: Float,
        projection: PackedWeights, bias: UnsafePointer<Float>? = nil, normalize: Bool
    ) -> Tensor {
        let n = pooledRows.count
        let pooled = Tensor(uninitialized: [n, width])
        for (i, r) in pooledRows.enumerated() {
            LayerNormKernel.normalizeRow(
                ws.x.data + r * width, width: width, bias: nil, gamma: norm.gamma.data, beta: norm.beta.data,
                eps: eps, out: pooled.data + i * width)
        }
        let out = Tensor(uninitialized: [n, projection.outFeatures])
        GEMM.multiply(
            pooled.data, ldx: width, rows: n, weights: projection, into: out.data, ldc: projection.outFeatures,
            accumulate: false,
            bias: bias)
        if normalize { Normalize.l2Rows(out.data, rows: n, width: projection.outFeatures) }
        return out
    }
}
