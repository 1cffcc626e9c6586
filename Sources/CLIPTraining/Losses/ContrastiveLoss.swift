import CLIP
import Foundation

/// The loss and the gradients it sends back: to both towers' normalised embeddings and to the learned
/// temperature (and bias, for SigLIP), which are stored as `logit_scale = log s` and `logit_bias`.
public struct LossResult: Sendable {
    public var loss: Float
    public var dLogitScale: Float
    public var dLogitBias: Float
}

public enum LossKind: String, Sendable, CaseIterable {
    /// CLIP's symmetric cross-entropy over the N×N similarities (InfoNCE).
    case clip
    /// SigLIP's pairwise sigmoid loss.
    case siglip
}

/// Both contrastive losses over a batch of N matched pairs, as open_clip computes them. Accumulation is in
/// Double: the loss is a mean of N² terms.
@_spi(Kernels) public enum ContrastiveLoss {
    /// `image`, `text`: `[N, D]` L2-normalised. Writes `dImage`, `dText` (`[N, D]`, overwritten).
    public static func compute(
        _ kind: LossKind, image: UnsafePointer<Float>, text: UnsafePointer<Float>,
        count n: Int, dim d: Int, logitScale: Float, logitBias: Float,
        dImage: UnsafeMutablePointer<Float>, dText: UnsafeMutablePointer<Float>
    ) -> LossResult {
        let s = expf(logitScale)
        var sims = [Float](repeating: 0, count: n * n)  // I·Tᵀ
        sims.withUnsafeMutableBufferPointer {
            BLAS.gemm(.nt, image, d, text, d, $0.baseAddress!, n, m: n, n: n, k: d, accumulate: false)
        }
        var dLogits = [Float](repeating: 0, count: n * n)
        let loss: Double
        switch kind {
        case .clip: loss = crossEntropyBothWays(sims, scale: s, n: n, dLogits: &dLogits)
        case .siglip: loss = sigmoidPairs(sims, scale: s, bias: logitBias, n: n, dLogits: &dLogits)
        }
        // logits = s·sims (+ b)  →  d sims = s·dlogits, d log s = Σ dlogits·sims·s, d b = Σ dlogits
        var dScale = 0.0, dBias = 0.0
        for i in 0..<(n * n) {
            dScale += Double(dLogits[i]) * Double(sims[i]) * Double(s)
            dBias += Double(dLogits[i])
            dLogits[i] *= s
        }
        dLogits.withUnsafeBufferPointer { ds in
            // dI = dS·T, dT = dSᵀ·I
            BLAS.gemm(.nn, ds.baseAddress!, n, text, d, dImage, d, m: n, n: d, k: n, accumulate: false)
            BLAS.gemm(.tn, ds.baseAddress!, n, image, d, dText, d, m: n, n: d, k: n, accumulate: false)
        }
        return LossResult(loss: Float(loss), dLogitScale: Float(dScale), dLogitBias: kind == .siglip ? Float(dBias) : 0)
    }

    /// `½(CE(logits, arange) + CE(logitsᵀ, arange))`, each a mean over N.
    private static func crossEntropyBothWays(
        _ sims: [Float], scale s: Float, n: Int,
        dLogits: inout [Float]
    ) -> Double {
        var loss = 0.0
        let half = 0.5 / Double(n)
        for transposed in [false, true] {
            for i in 0..<n {
                // Row i of logits (or column i, for the text→image direction).
                func at(_ j: Int) -> Int { transposed ? j * n + i : i * n + j }
                var top = -Double.infinity
                for j in 0..<n { top = max(top, Double(s * sims[at(j)])) }
                var sum = 0.0
                for j in 0..<n { sum += exp(Double(s * sims[at(j)]) - top) }
                let logSum = top + log(sum)
                loss += (logSum - Double(s * sims[at(i)])) * half
                for j in 0..<n {
                    let p = exp(Double(s * sims[at(j)]) - logSum)
                    dLogits[at(j)] += Float((p - (j == i ? 1 : 0)) * half)
                }
            }
        }
        return loss
    }

    /// `−Σ log σ(label·logit) / N` with label +1 on the diagonal and −1 elsewhere.
    private static func sigmoidPairs(
        _ sims: [Float], scale s: Float, bias b: Float, n: Int,
        dLogits: inout [Float]
    ) -> Double {
        var loss = 0.0
        for i in 0..<n {
            for j in 0..<n {
                let label: Double = i == j ? 1 : -1
                let z = label * Double(s * sims[i * n + j] + b)
                loss += max(-z, 0) + log1p(exp(-abs(z)))  // −log σ(z), stable
                let sigmoidMinusZ = 1 / (1 + exp(z))  // σ(−z)
                dLogits[i * n + j] = Float(-label * sigmoidMinusZ / Double(n))
            }
        }
        return loss / Double(n)
    }
}
