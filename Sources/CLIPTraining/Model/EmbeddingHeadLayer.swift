import CLIP

/// The tail both towers share: pick one row per item (class token / EOT), LayerNorm, project (no bias),
/// L2-normalise.
final class EmbeddingHeadActivations {
    let batch: Int
    var rows: [Int]  // the pooled row of each item in the stack output
    let pooled: FlatBuffer, normed: FlatBuffer, mean: FlatBuffer, rstd: FlatBuffer  // [B, C], [B]
    let projected: FlatBuffer, embeddings: FlatBuffer, norms: FlatBuffer  // [B, D], [B]
    let dProjected: FlatBuffer, dNormed: FlatBuffer, dPooled: FlatBuffer

    init(rows: [Int], width c: Int, embedDim d: Int) {
        self.rows = rows
        batch = rows.count
        pooled = FlatBuffer(count: batch * c)
        normed = FlatBuffer(count: batch * c)
        mean = FlatBuffer(count: batch)
        rstd = FlatBuffer(count: batch)
        projected = FlatBuffer(count: batch * d)
        embeddings = FlatBuffer(count: batch * d)
        norms = FlatBuffer(count: batch)
        dProjected = FlatBuffer(count: batch * d)
        dNormed = FlatBuffer(count: batch * c)
        dPooled = FlatBuffer(count: batch * c)
    }
}

enum EmbeddingHeadLayer {
    static func forward(
        _ h: EmbeddingHeadActivations, stackOutput: UnsafePointer<Float>, params p: UnsafePointer<Float>,
        gamma: Int, beta: Int, projection: Int, width c: Int, embedDim d: Int, eps: Float
    ) {
        for (b, row) in h.rows.enumerated() { (h.pooled.data + b * c).update(from: stackOutput + row * c, count: c) }
        LayerNormLayer.forward(
            h.normed.data, mean: h.mean.data, rstd: h.rstd.data, h.pooled.data, gamma: p + gamma, beta: p + beta,
            rows: h.batch, width: c, eps: eps)
        LinearLayer.forward(
            h.projected.data, h.normed.data, weight: p + projection, bias: nil, rows: h.batch, inputs: c, outputs: d)
        L2NormalizeLayer.forward(h.embeddings.data, norms: h.norms.data, h.projected.data, rows: h.batch, width: d)
    }

    /// From d(embeddings) to d(stack output), written into `dStackOutput` (zeroed here: only pooled rows
    /// receive gradient).
    static func backward(
        _ h: EmbeddingHeadActivations, dEmbeddings: UnsafePointer<Float>, dStackOutput: UnsafeMutablePointer<Float>,
        stackRows: Int, params p: UnsafePointer<Float>, grads g: UnsafeMutablePointer<Float>,
        gamma: Int, beta: Int, projection: Int, width c: Int, embedDim d: Int
    ) {
        L2NormalizeLayer.backward(
            dinp: h.dProjected.data, dout: dEmbeddings, out: h.embeddings.data, norms: h.norms.data, rows: h.batch,
            width: d)
        LinearLayer.backward(
            dinp: h.dNormed.data, dweight: g + projection, dbias: nil, dout: h.dProjected.data, inp: h.normed.data,
            weight: p + projection, rows: h.batch, inputs: c, outputs: d)
        h.dPooled.zero()
        LayerNormLayer.backward(
            dinp: h.dPooled.data, dgamma: g + gamma, dbeta: g + beta, dout: h.dNormed.data, inp: h.pooled.data,
            gamma: p + gamma, mean: h.mean.data, rstd: h.rstd.data, rows: h.batch, width: c)
        dStackOutput.update(repeating: 0, count: stackRows * c)
        for (b, row) in h.rows.enumerated() {
            let dst = dStackOutput + row * c, src = h.dPooled.data + b * c
            for j in 0..<c { dst[j] += src[j] }
        }
    }
}
