import CLIP

/// What one residual block's forward keeps for its backward.
final class BlockActivations {
    let input: FlatBuffer  // [R, C] residual stream entering the block
    let ln1: FlatBuffer, ln1Mean: FlatBuffer, ln1Rstd: FlatBuffer
    let qkv: FlatBuffer  // [R, 3C]
    let probs: FlatBuffer  // [B, H, T, T]
    let attention: FlatBuffer  // [R, C] heads concatenated, before out_proj
    let mid: FlatBuffer  // [R, C] residual stream after the attention branch
    let ln2: FlatBuffer, ln2Mean: FlatBuffer, ln2Rstd: FlatBuffer
    let fcPre: FlatBuffer, fcAct: FlatBuffer  // [R, F]

    init(batch: Int, tokens: Int, config c: TransformerConfig) {
        let r = batch * tokens
        input = FlatBuffer(count: r * c.width)
        ln1 = FlatBuffer(count: r * c.width)
        ln1Mean = FlatBuffer(count: r)
        ln1Rstd = FlatBuffer(count: r)
        qkv = FlatBuffer(count: r * 3 * c.width)
        probs = FlatBuffer(count: batch * c.heads * tokens * tokens)
        attention = FlatBuffer(count: r * c.width)
        mid = FlatBuffer(count: r * c.width)
        ln2 = FlatBuffer(count: r * c.width)
        ln2Mean = FlatBuffer(count: r)
        ln2Rstd = FlatBuffer(count: r)
        fcPre = FlatBuffer(count: r * c.mlpWidth)
        fcAct = FlatBuffer(count: r * c.mlpWidth)
    }
}

/// Activations of a whole stack for one batch shape, plus the gradient scratch its backward reuses.
final class StackActivations {
    let batch: Int
    /// Tokens per item in the current batch (at most the capacity the buffers were sized for).
    var tokens: Int
    let blocks: [BlockActivations]
    let output: FlatBuffer  // [R, C]
    /// d(residual stream): set to d(output) before `backward`, holds d(input) after it.
    let dResidual: FlatBuffer
    let dNorm: FlatBuffer, dAttention: FlatBuffer, dQKV: FlatBuffer, dHidden: FlatBuffer

    init(batch: Int, tokens: Int, config c: TransformerConfig) {
        self.batch = batch
        self.tokens = tokens
        let r = batch * tokens
        // The stack's input lives in the first block's cache, so the embedding writes it in place.
        blocks = (0..<max(c.layers, 1)).map { _ in BlockActivations(batch: batch, tokens: tokens, config: c) }
        output = FlatBuffer(count: r * c.width)
        dResidual = FlatBuffer(count: r * c.width)
        dNorm = FlatBuffer(count: r * c.width)
        dAttention = FlatBuffer(count: r * c.width)
        dQKV = FlatBuffer(count: r * 3 * c.width)
        dHidden = FlatBuffer(count: r * c.mlpWidth)
    }

    var input: UnsafeMutablePointer<Float> { blocks[0].input.data }
}

/// Pre-LN residual blocks, forward and backward: `x += Attn(LN1(x))`, then `x += MLP(LN2(x))`.
enum TransformerStackLayer {
    static func forward(
        _ a: StackActivations, params p: UnsafePointer<Float>, blocks: [BlockOffsets], config c: TransformerConfig,
        causal: Bool
    ) {
        let w = c.width, f = c.mlpWidth, r = a.batch * a.tokens, eps = c.layerNormEps
        if blocks.isEmpty {
            a.output.data.update(from: a.input, count: r * w)
            return
        }
        for (l, o) in blocks.enumerated() {
            let s = a.blocks[l], x = s.input.data
            let next = l + 1 < blocks.count ? a.blocks[l + 1].input.data : a.output.data
            LayerNormLayer.forward(
                s.ln1.data, mean: s.ln1Mean.data, rstd: s.ln1Rstd.data, x, gamma: p + o.ln1Gamma, beta: p + o.ln1Beta,
                rows: r, width: w, eps: eps)
            LinearLayer.forward(
                s.qkv.data, s.ln1.data, weight: p + o.qkvWeight, bias: p + o.qkvBias, rows: r, inputs: w, outputs: 3 * w
            )
            AttentionLayer.forward(
                s.attention.data, probs: s.probs.data, qkv: s.qkv.data, batch: a.batch, tokens: a.tokens, width: w,
                heads: c.heads, causal: causal)
            LinearLayer.forward(
                s.mid.data, s.attention.data, weight: p + o.outWeight, bias: p + o.outBias, rows: r, inputs: w,
                outputs: w)
            add(s.mid.data, x, count: r * w)
            LayerNormLayer.forward(
                s.ln2.data, mean: s.ln2Mean.data, rstd: s.ln2Rstd.data, s.mid.data, gamma: p + o.ln2Gamma,
                beta: p + o.ln2Beta, rows: r, width: w, eps: eps)
            LinearLayer.forward(
                s.fcPre.data, s.ln2.data, weight: p + o.fcWeight, bias: p + o.fcBias, rows: r, inputs: w, outputs: f)
            ActivationLayer.forward(s.fcAct.data, s.fcPre.data, count: r * f, activation: c.activation)
            LinearLayer.forward(
                next, s.fcAct.data, weight: p + o.projWeight, bias: p + o.projBias, rows: r, inputs: f, outputs: w)
            add(next, s.mid.data, count: r * w)
        }
    }

    /// Inverts `forward`: `a.dResidual` goes in as d(output) and comes out as d(input); parameter
    /// gradients add into `g`.
    static func backward(
        _ a: StackActivations, params p: UnsafePointer<Float>, grads g: UnsafeMutablePointer<Float>,
        blocks: [BlockOffsets], config c: TransformerConfig
    ) {
        let w = c.width, f = c.mlpWidth, r = a.batch * a.tokens
        let dres = a.dResidual.data, dnorm = a.dNorm.data, dhidden = a.dHidden.data
        for (l, o) in blocks.enumerated().reversed() {
            let s = a.blocks[l]
            // next = mid + fc2(act(fc1(LN2(mid))))
            LinearLayer.backward(
                dinp: dhidden, dweight: g + o.projWeight, dbias: g + o.projBias, dout: dres, inp: s.fcAct.data,
                weight: p + o.projWeight, rows: r, inputs: f, outputs: w)
            ActivationLayer.backward(
                dinp: dhidden, inp: s.fcPre.data, dout: dhidden, count: r * f, activation: c.activation)
            LinearLayer.backward(
                dinp: dnorm, dweight: g + o.fcWeight, dbias: g + o.fcBias, dout: dhidden, inp: s.ln2.data,
                weight: p + o.fcWeight, rows: r, inputs: w, outputs: f)
            LayerNormLayer.backward(
                dinp: dres, dgamma: g + o.ln2Gamma, dbeta: g + o.ln2Beta, dout: dnorm, inp: s.mid.data,
                gamma: p + o.ln2Gamma, mean: s.ln2Mean.data, rstd: s.ln2Rstd.data, rows: r, width: w)
            // mid = x + out_proj(Attn(qkv(LN1(x))))
            LinearLayer.backward(
                dinp: a.dAttention.data, dweight: g + o.outWeight, dbias: g + o.outBias, dout: dres,
                inp: s.attention.data,
                weight: p + o.outWeight, rows: r, inputs: w, outputs: w)
            AttentionLayer.backward(
                dqkv: a.dQKV.data, dout: a.dAttention.data, qkv: s.qkv.data, probs: s.probs.data,
                batch: a.batch, tokens: a.tokens, width: w, heads: c.heads)
            LinearLayer.backward(
                dinp: dnorm, dweight: g + o.qkvWeight, dbias: g + o.qkvBias, dout: a.dQKV.data, inp: s.ln1.data,
                weight: p + o.qkvWeight, rows: r, inputs: w, outputs: 3 * w)
            LayerNormLayer.backward(
                dinp: dres, dgamma: g + o.ln1Gamma, dbeta: g + o.ln1Beta, dout: dnorm, inp: s.input.data,
                gamma: p + o.ln1Gamma, mean: s.ln1Mean.data, rstd: s.ln1Rstd.data, rows: r, width: w)
        }
    }

    private static func add(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { y[i] += x[i] }
    }
}
