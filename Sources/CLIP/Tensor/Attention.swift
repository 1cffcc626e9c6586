import CKernels

/// Multi-head scaled dot-product attention over a fused QKV buffer.
///
/// `qkv` is `[batch·tokens, 3·width]` straight from one GEMM (no bias yet); the bias and the `1/√d`
/// query scale are applied while each head is gathered into contiguous scratch, so that pass is free.
/// Heads are independent, so they are spread over threads: with AVX-512, each runs the C kernel
/// (`clip_attention_avx512`, all in registers); otherwise each gathers its head and calls single-threaded BLAS.
///
/// `kernels` is the table the block's weights were packed on (`PackedWeights.kernels`), so a model packed
/// on `.reference` or on a narrower feature set runs the attention that table allows, not this CPU's.
enum AttentionKernel {
    static func forward(
        qkv: UnsafePointer<Float>, bias: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
        batch: Int, tokens: Int, width: Int, heads: Int, causal: Bool, kernels: KernelTable
    ) {
        let headDim = width / heads
        if kernels.attention, headDim % 16 == 0, headDim <= 128 {
            let scratchFloats = clip_attention_scratch_floats(tokens, headDim)
            Parallelism.forEachChunk(batch * heads) { range in
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: scratchFloats)
                defer { scratch.deallocate() }
                clip_attention_avx512(
                    qkv, bias, out, tokens, width, heads, causal ? 1 : 0,
                    range.lowerBound, range.upperBound, scratch)
            }
            return
        }
        let scale = 1 / Float(headDim).squareRoot()
        let stride = 3 * width
        Parallelism.forEachChunk(batch * heads) { range in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 3 * tokens * headDim + tokens * tokens)
            defer { scratch.deallocate() }
            let q = scratch, k = q + tokens * headDim, v = k + tokens * headDim, scores = v + tokens * headDim
            for item in range {
                let b = item / heads, h = item % heads
                let base = qkv + b * tokens * stride + h * headDim
                let qb = bias + h * headDim, kb = qb + width, vb = kb + width
                for t in 0..<tokens {
                    let src = base + t * stride
                    for d in 0..<headDim {
                        q[t * headDim + d] = (src[d] + qb[d]) * scale
                        k[t * headDim + d] = src[width + d] + kb[d]
                        v[t * headDim + d] = src[2 * width + d] + vb[d]
                    }
                }
                BLAS.gemm(
                    .nt, q, headDim, k, headDim, scores, tokens,
                    m: tokens, n: tokens, k: headDim, accumulate: false)
                for i in 0..<tokens {
                    Softmax.inPlace(scores + i * tokens, count: causal ? i + 1 : tokens)
                    if causal { (scores + i * tokens + i + 1).update(repeating: 0, count: tokens - i - 1) }
                }
                BLAS.gemm(
                    .nn, scores, tokens, v, headDim, out + b * tokens * width + h * headDim, width,
                    m: tokens, n: headDim, k: tokens, accumulate: false)
            }
        }
    }
}

/// Row softmax on `VectorMath`'s exp: inference's attention and training's.
public enum Softmax {
    /// Numerically stable softmax of one row, in place.
    @inline(__always)
    public static func inPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var maxValue = -Float.infinity
        for i in 0..<count { maxValue = max(maxValue, x[i]) }
        var sum: Float = 0, i = 0
        while i + 8 <= count {
            let e = vexp(UnsafeRawPointer(x + i).loadUnaligned(as: Vec8.self) - maxValue)
            UnsafeMutableRawPointer(x + i).storeBytes(of: e, as: Vec8.self)
            sum += e.sum()
            i += 8
        }
        while i < count {
            x[i] = scalarExp(x[i] - maxValue)
            sum += x[i]
            i += 1
        }
        let inv = 1 / sum
        for j in 0..<count { x[j] *= inv }
    }
}
