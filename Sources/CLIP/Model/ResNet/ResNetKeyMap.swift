import Foundation

/// The ModifiedResNet key map (open_clip's `visual.*` names, the same as OpenAI's original checkpoints):
/// `visual.conv1.weight` + `visual.bn1.*`, `visual.layerS.B.conv1.weight` + `.bn1.*`, …,
/// `visual.layerS.0.downsample.0.weight` + `downsample.1.*`,
/// `visual.attnpool.{positional_embedding,q_proj,k_proj,v_proj,c_proj}`.
enum ResNetKeyMap {
    /// The tower runs in fp32 whatever `--precision` says (the text tower follows it). Measured on RN50
    /// with random weights and BatchNorm statistics (`clip eval precision`, 18 photos): int8 convolutions
    /// gave image embeddings at mean cosine 0.986 to fp32 (0.991 with the stem kept fp32), bf16 at 0.998:
    /// under the 0.999 bar the reduced modes are held to, as the error grows through ~50 stacked layers.
    static func weights(from reader: WeightReader, config: ResNetConfig, embedDim d: Int) -> ResNetWeights {
        let r = reader
        let w = config.width
        let eps = config.batchNormEps
        func conv(
            _ prefix: String, batchNorm: String, in c: Int, out: Int, kernel: Int,
            stride: Int = 1
        ) -> Convolution {
            let weight = r.take(prefix + ".weight", [out, c, kernel, kernel])
            let (folded, bias) = BatchNormFolding.fold(weight, readBatchNorm(batchNorm, out), eps: eps)
            let packed = PackedWeights(folded.channelsLastRows(kernel: kernel))
            r.releaseTakenPages()
            return Convolution(weights: packed, bias: bias, kernel: kernel, stride: stride, inChannels: c)
        }
        func readBatchNorm(_ prefix: String, _ c: Int) -> BatchNormFolding.Parameters {
            BatchNormFolding.Parameters(
                gamma: r.take(prefix + ".weight", [c]), beta: r.take(prefix + ".bias", [c]),
                mean: r.take(prefix + ".running_mean", [c]),
                variance: r.take(prefix + ".running_var", [c]))
        }
        let stem = [
            conv("visual.conv1", batchNorm: "visual.bn1", in: 3, out: w / 2, kernel: 3, stride: 2),
            conv("visual.conv2", batchNorm: "visual.bn2", in: w / 2, out: w / 2, kernel: 3),
            conv("visual.conv3", batchNorm: "visual.bn3", in: w / 2, out: w, kernel: 3)
        ]
        var inplanes = w
        var stages: [[BottleneckWeights]] = []
        for (s, blocks) in config.layers.enumerated() {
            let planes = w << s
            stages.append(
                (0..<blocks).map { b in
                    let p = "visual.layer\(s + 1).\(b)"
                    let stride = b == 0 && s > 0 ? 2 : 1
                    let needsShortcut = stride > 1 || inplanes != planes * 4
                    let block = BottleneckWeights(
                        conv1: conv(p + ".conv1", batchNorm: p + ".bn1", in: inplanes, out: planes, kernel: 1),
                        conv2: conv(p + ".conv2", batchNorm: p + ".bn2", in: planes, out: planes, kernel: 3),
                        conv3: conv(p + ".conv3", batchNorm: p + ".bn3", in: planes, out: planes * 4, kernel: 1),
                        downsample: needsShortcut
                            ? conv(
                                p + ".downsample.0", batchNorm: p + ".downsample.1", in: inplanes, out: planes * 4,
                                kernel: 1)
                            : nil,
                        stride: stride)
                    inplanes = planes * 4
                    return block
                })
        }
        let c = config.poolWidth
        let a = "visual.attnpool."
        // The key bias is read, so the strict check owns it, but not kept: it adds the same q·b to all of a
        // query's logits, which softmax cancels.
        func valueBiasDroppingKeyBias() -> Tensor {
            _ = r.take(a + "k_proj.bias", [c])
            return r.take(a + "v_proj.bias", [c])
        }
        return ResNetWeights(
            stem: stem, stages: stages,
            positions: r.take(a + "positional_embedding", [config.grid * config.grid + 1, c]),
            query: PackedWeights(r.take(a + "q_proj.weight", [c, c])),
            queryBias: r.take(a + "q_proj.bias", [c]),
            key: r.take(a + "k_proj.weight", [c, c]), value: r.take(a + "v_proj.weight", [c, c]),
            valueBias: valueBiasDroppingKeyBias(),
            output: PackedWeights(r.take(a + "c_proj.weight", [d, c])),
            outputBias: r.take(a + "c_proj.bias", [d]))
    }
}
