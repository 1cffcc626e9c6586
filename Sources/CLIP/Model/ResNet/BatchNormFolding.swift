import Foundation

/// Folds an inference BatchNorm into the convolution before it: `γ(Wx − μ)/√(σ² + ε) + β` is a
/// convolution with weights `W·γ/√(σ² + ε)` (per output channel) and bias `β − μ·γ/√(σ² + ε)`. Exact in real
/// arithmetic; in fp32 it moves results by rounding only.
enum BatchNormFolding {
    struct Parameters {
        let gamma: Tensor, beta: Tensor, mean: Tensor, variance: Tensor
    }

    static func fold(_ weight: Tensor, _ bn: Parameters, eps: Float) -> (weight: Tensor, bias: Tensor) {
        let out = weight.shape[0], perChannel = weight.count / out
        let folded = Tensor(uninitialized: weight.shape), bias = Tensor(uninitialized: [out])
        for o in 0..<out {
            let scale = bn.gamma.data[o] / (bn.variance.data[o] + eps).squareRoot()
            for i in 0..<perChannel { folded.data[o * perChannel + i] = weight.data[o * perChannel + i] * scale }
            bias.data[o] = bn.beta.data[o] - bn.mean.data[o] * scale
        }
        return (folded, bias)
    }
}

extension Tensor {
    /// A PyTorch convolution weight `[out, in, k, k]` as GEMM rows `[out, k·k·in]` in (ky, kx, in) order,
    /// matching `ConvolutionKernels.im2col` over channels-last activations.
    func channelsLastRows(kernel k: Int) -> Tensor {
        let out = shape[0], c = shape[1]
        let rows = Tensor(uninitialized: [out, k * k * c])
        for o in 0..<out {
            for ch in 0..<c {
                for ky in 0..<k {
                    for kx in 0..<k {
                        rows.data[o * k * k * c + (ky * k + kx) * c + ch] = data[((o * c + ch) * k + ky) * k + kx]
                    }
                }
            }
        }
        return rows
    }
}
