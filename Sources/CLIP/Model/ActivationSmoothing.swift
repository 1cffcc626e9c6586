/// SmoothQuant's channel balancing (Xiao et al. 2023, α = 0.5), without calibration data.
///
/// Trained CLIP ViTs carry a few residual channels 20–100× larger than the rest, and LayerNorm's γ/β pass
/// them on to the linear layer that follows. With one int8 scale per token row, such a channel sets the
/// scale and every other channel is left with a few levels. Dividing LN output channel `j` by `s_j` and
/// multiplying weight column `j` by `s_j` leaves `LN(x)·Wᵀ` unchanged in exact arithmetic, and with
/// `s_j = √(a_j / w_j)` both the activation range `a_j` and the weight range `w_j` become `√(a_j·w_j)`.
///
/// The division folds into γ and β, so it costs nothing at run time. `a_j` needs no calibration images: the
/// normalised input has unit scale per channel, so LN's output range in channel `j` is about
/// `|γ_j|·r + |β_j|`, where `r = 4` stands for the largest normalised values a token row holds.
public enum ActivationSmoothing {
    public static let normalisedRange: Float = 4

    static func fold(_ norm: LayerNormWeights, into weight: Tensor) -> (LayerNormWeights, Tensor) {
        let folded = fold(gamma: norm.gamma, beta: norm.beta, into: weight)
        return (LayerNormWeights(gamma: folded.gamma, beta: folded.beta), folded.weight)
    }

    /// Rescaled copies of a LayerNorm's `gamma`, `beta` (`[K]`) and of the `weight` (`[N, K]`) that reads it.
    public static func fold(gamma normGamma: Tensor, beta normBeta: Tensor, into weight: Tensor) -> (
        gamma: Tensor, beta: Tensor, weight: Tensor
    ) {
        let n = weight.shape[0], k = weight.shape[1]
        var columnMax = [Float](repeating: 0, count: k)
        for i in 0..<n {
            let row = weight.data + i * k
            for j in 0..<k { columnMax[j] = max(columnMax[j], abs(row[j])) }
        }
        let gamma = Tensor(uninitialized: [k]), beta = Tensor(uninitialized: [k])
        var factor = [Float](repeating: 1, count: k)
        for j in 0..<k {
            let a = abs(normGamma[j]) * normalisedRange + abs(normBeta[j])
            if a > 0 && columnMax[j] > 0 { factor[j] = (a / columnMax[j]).squareRoot() }
            gamma[j] = normGamma[j] / factor[j]
            beta[j] = normBeta[j] / factor[j]
        }
        let scaled = Tensor(uninitialized: [n, k])
        for i in 0..<n {
            let src = weight.data + i * k, dst = scaled.data + i * k
            for j in 0..<k { dst[j] = src[j] * factor[j] }
        }
        return (gamma, beta, scaled)
    }
}
