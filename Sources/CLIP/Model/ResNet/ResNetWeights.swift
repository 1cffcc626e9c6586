import Foundation

/// One bottleneck: 1×1 → 3×3 → (average pool when it strides) → 1×1 ×4 channels, plus the shortcut
/// (average pool, 1×1, BatchNorm) when the shape changes. Every BatchNorm is folded into its convolution.
struct BottleneckWeights {
    let conv1: Convolution
    let conv2: Convolution
    let conv3: Convolution
    let downsample: Convolution?
    let stride: Int
}

/// Learned parameters of the ModifiedResNet image tower.
struct ResNetWeights {
    let stem: [Convolution]   // 3×3 stride 2, then two 3×3
    let stages: [[BottleneckWeights]]
    let positions: Tensor     // [grid² + 1, C]
    let query: PackedWeights  // q_proj [C, C]
    let queryBias: Tensor
    /// k_proj and v_proj `[C, C]` as they are (the pool multiplies the query and the attended tokens by
    /// them, per head; k_proj's bias shifts every score of a head alike, which softmax ignores).
    let key: Tensor
    let value: Tensor
    let valueBias: Tensor
    let output: PackedWeights     // c_proj [D, C]
    let outputBias: Tensor
}

/// The ModifiedResNet key map (open_clip's `visual.*` names, the same as OpenAI's original checkpoints):
/// `visual.conv1.weight` + `visual.bn1.*`, `visual.layerS.B.conv1.weight` + `.bn1.*`, …,
/// `visual.layerS.0.downsample.0.weight` + `downsample.1.*`, `visual.attnpool.{positional_embedding,q_proj,k_proj,v_proj,c_proj}`.
enum ResNetKeyMap {
    static func isVisionKey(_ key: String) -> Bool { key.hasPrefix("visual.") }

    /// The tower runs in fp32 whatever `--precision` says (the text tower follows it). Measured on RN50
    /// with random weights and BatchNorm statistics (`clip eval precision`, 18 photos): int8 convolutions
    /// gave image embeddings at mean cosine 0.986 to fp32 (0.991 with the stem kept fp32), bf16 at 0.998:
    /// under the 0.999 bar the reduced modes are held to, as the error grows through ~50 stacked layers.
    static func weights(_ r: WeightReader, _ config: ResNetConfig, embedDim d: Int) -> ResNetWeights {
        let w = config.width, eps = config.batchNormEps
        func conv(_ prefix: String, batchNorm: String, in c: Int, out: Int, kernel: Int, stride: Int = 1) -> Convolution {
            let weight = r.take(prefix + ".weight", [out, c, kernel, kernel])
            let (folded, bias) = BatchNormFolding.fold(weight, readBatchNorm(batchNorm, out), eps: eps)
            let packed = PackedWeights(folded.channelsLastRows(kernel: kernel))
            r.releaseTakenPages()
            return Convolution(weights: packed, bias: bias, kernel: kernel, stride: stride, inChannels: c)
        }
        func readBatchNorm(_ prefix: String, _ c: Int) -> BatchNormFolding.Parameters {
            BatchNormFolding.Parameters(gamma: r.take(prefix + ".weight", [c]), beta: r.take(prefix + ".bias", [c]),
                                        mean: r.take(prefix + ".running_mean", [c]), variance: r.take(prefix + ".running_var", [c]))
        }
        let stem = [
            conv("visual.conv1", batchNorm: "visual.bn1", in: 3, out: w / 2, kernel: 3, stride: 2),
            conv("visual.conv2", batchNorm: "visual.bn2", in: w / 2, out: w / 2, kernel: 3),
            conv("visual.conv3", batchNorm: "visual.bn3", in: w / 2, out: w, kernel: 3),
        ]
        var inplanes = w
        var stages: [[BottleneckWeights]] = []
        for (s, blocks) in config.layers.enumerated() {
            let planes = w << s
            stages.append((0..<blocks).map { b in
                let p = "visual.layer\(s + 1).\(b)", stride = b == 0 && s > 0 ? 2 : 1
                let needsShortcut = stride > 1 || inplanes != planes * 4
                let block = BottleneckWeights(
                    conv1: conv(p + ".conv1", batchNorm: p + ".bn1", in: inplanes, out: planes, kernel: 1),
                    conv2: conv(p + ".conv2", batchNorm: p + ".bn2", in: planes, out: planes, kernel: 3),
                    conv3: conv(p + ".conv3", batchNorm: p + ".bn3", in: planes, out: planes * 4, kernel: 1),
                    downsample: needsShortcut ? conv(p + ".downsample.0", batchNorm: p + ".downsample.1", in: inplanes, out: planes * 4, kernel: 1) : nil,
                    stride: stride)
                inplanes = planes * 4
                return block
            })
        }
        let c = config.poolWidth, a = "visual.attnpool."
        return ResNetWeights(
            stem: stem, stages: stages,
            positions: r.take(a + "positional_embedding", [config.grid * config.grid + 1, c]),
            query: PackedWeights(r.take(a + "q_proj.weight", [c, c])), queryBias: r.take(a + "q_proj.bias", [c]),
            key: r.take(a + "k_proj.weight", [c, c]), value: r.take(a + "v_proj.weight", [c, c]),
            valueBias: { _ = r.take(a + "k_proj.bias", [c]); return r.take(a + "v_proj.bias", [c]) }(),
            output: PackedWeights(r.take(a + "c_proj.weight", [d, c])), outputBias: r.take(a + "c_proj.bias", [d]))
    }
}

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
                    for kx in 0..<k { rows.data[o * k * k * c + (ky * k + kx) * c + ch] = data[((o * c + ch) * k + ky) * k + kx] }
                }
            }
        }
        return rows
    }
}
