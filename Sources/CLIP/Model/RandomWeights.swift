/// Deterministic random weights for benchmarks and tests that need a model of a given shape but no file.
/// Not a substitute for trained weights: nothing user-facing loads these.
extension CLIPModel {
    /// A model of `config`'s shape with small random weights (for `clip bench` and tests).
    public static func randomWeights(
        config: CLIPConfig, towers: Towers = .both, seed: UInt64 = 0,
        packing: LinearPacking = .fp32
    ) -> CLIPModel {
        var rng = SeedStream(seed: seed &+ 0x9E37_79B9_7F4A_7C15)
        func tensor(_ shape: [Int], scale: Float) -> Tensor {
            let t = Tensor(uninitialized: shape)
            for i in 0..<t.count { t.data[i] = Float.random(in: -scale...scale, using: &rng) }
            return t
        }
        func ln(_ w: Int) -> LayerNormWeights {
            let gamma = Tensor(uninitialized: [w])
            gamma.data.initialize(repeating: 1, count: w)
            return LayerNormWeights(gamma: gamma, beta: Tensor(zeros: [w]))
        }
        func blocks(_ t: TransformerConfig) -> [ResidualBlockWeights] {
            let c = t.width, f = t.mlpWidth, s = 1 / Float(c).squareRoot()
            return (0..<t.layers).map { _ in
                ResidualBlockWeights(
                    packing: packing, ln1: ln(c), qkvWeight: tensor([3 * c, c], scale: s),
                    qkvBias: tensor([3 * c], scale: 0.01),
                    outWeight: tensor([c, c], scale: s), outBias: tensor([c], scale: 0.01), ln2: ln(c),
                    fcWeight: tensor([f, c], scale: s), fcBias: tensor([f], scale: 0.01),
                    projWeight: tensor([c, f], scale: 1 / Float(f).squareRoot()), projBias: tensor([c], scale: 0.01))
            }
        }
        let d = config.embedDim
        var vision: (any ImageTower)?
        switch config.image {
        case let .vit(v) where towers.contains(.vision):
            let c = v.transformer.width
            vision = VisionTransformer(
                config: v, embedDim: d,
                weights: VisionWeights(
                    patchWeight: packing.packPatch(tensor([c, v.channels * v.patchSize * v.patchSize], scale: 0.02)),
                    classEmbedding: tensor([c], scale: 0.1),
                    positions: tensor([v.tokens, c], scale: 0.1), lnPre: ln(c), stack: blocks(v.transformer),
                    lnPost: ln(c),
                    projection: PackedWeights(tensor([d, c], scale: 1 / Float(c).squareRoot()))))
        case let .modifiedResNet(r) where towers.contains(.vision):
            // He-scaled convolutions (BatchNorm already folded: a small random bias) keep activations O(1).
            // fp32 whatever the packing, as a loaded one (see ResNetKeyMap).
            func conv(in c: Int, out: Int, kernel k: Int, stride: Int = 1) -> Convolution {
                Convolution(
                    weights: PackedWeights(tensor([out, k * k * c], scale: (6 / Float(k * k * c)).squareRoot())),
                    bias: tensor([out], scale: 0.01), kernel: k, stride: stride, inChannels: c)
            }
            let w = r.width, c = r.poolWidth
            var inplanes = w
            let stages = r.layers.enumerated().map { s, blocks in
                (0..<blocks).map { b -> BottleneckWeights in
                    let planes = w << s, stride = b == 0 && s > 0 ? 2 : 1
                    defer { inplanes = planes * 4 }
                    return BottleneckWeights(
                        conv1: conv(in: inplanes, out: planes, kernel: 1),
                        conv2: conv(in: planes, out: planes, kernel: 3),
                        conv3: conv(in: planes, out: planes * 4, kernel: 1),
                        downsample: stride > 1 || inplanes != planes * 4
                            ? conv(in: inplanes, out: planes * 4, kernel: 1) : nil,
                        stride: stride)
                }
            }
            let s = 1 / Float(c).squareRoot()
            vision = ModifiedResNet(
                config: r, embedDim: d,
                weights: ResNetWeights(
                    stem: [
                        conv(in: 3, out: w / 2, kernel: 3, stride: 2), conv(in: w / 2, out: w / 2, kernel: 3),
                        conv(in: w / 2, out: w, kernel: 3)
                    ],
                    stages: stages, positions: tensor([r.grid * r.grid + 1, c], scale: 0.1),
                    query: PackedWeights(tensor([c, c], scale: s)), queryBias: tensor([c], scale: 0.01),
                    key: tensor([c, c], scale: s), value: tensor([c, c], scale: s), valueBias: tensor([c], scale: 0.01),
                    output: PackedWeights(tensor([d, c], scale: s)), outputBias: tensor([d], scale: 0.01)))
        case let .siglip(v) where towers.contains(.vision):
            let c = v.transformer.width, f = v.transformer.mlpWidth, s = 1 / Float(c).squareRoot()
            vision = SiglipVisionTransformer(
                config: v,
                weights: SiglipVisionWeights(
                    patchWeight: packing.packPatch(tensor([c, 3 * v.patchSize * v.patchSize], scale: 0.02)),
                    patchBias: tensor([c], scale: 0.01),
                    positions: tensor([v.tokens, c], scale: 0.1), stack: blocks(v.transformer), postNorm: ln(c),
                    head: MAPHeadWeights(
                        probe: tensor([c], scale: 0.1), inProjWeight: tensor([3 * c, c], scale: s),
                        inProjBias: tensor([3 * c], scale: 0.01),
                        heads: v.transformer.heads, out: PackedWeights(tensor([c, c], scale: s)),
                        outBias: tensor([c], scale: 0.01),
                        norm: ln(c), fc: PackedWeights(tensor([f, c], scale: s)), fcBias: tensor([f], scale: 0.01),
                        proj: PackedWeights(tensor([c, f], scale: 1 / Float(f).squareRoot())),
                        projBias: tensor([c], scale: 0.01))))
        default:
            vision = nil
        }
        var text: (any TextTower)?
        if towers.contains(.text) {
            let t = config.text, w = t.transformer.width
            switch t.style {
            case .clip:
                text = TextTransformer(
                    config: t, embedDim: d,
                    weights: TextWeights(
                        tokenEmbedding: tensor([t.vocabSize, w], scale: 0.1),
                        positions: tensor([t.contextLength, w], scale: 0.1),
                        stack: blocks(t.transformer), lnFinal: ln(w),
                        projection: PackedWeights(tensor([d, w], scale: 1 / Float(w).squareRoot()))))
            case .siglip:
                text = SiglipTextTransformer(
                    config: t, embedDim: d,
                    weights: SiglipTextWeights(
                        tokenEmbedding: tensor([t.vocabSize, w], scale: 0.1),
                        positions: tensor([t.contextLength, w], scale: 0.1),
                        stack: blocks(t.transformer), finalNorm: ln(w),
                        head: PackedWeights(tensor([d, w], scale: 1 / Float(w).squareRoot())),
                        headBias: tensor([d], scale: 0.01)))
            }
        }
        // SigLIP starts as its paper initialises it (scale 10, bias −10), so it scores as a sigmoid model.
        let siglip = config.text.style == .siglip
        return CLIPModel(
            config: config, vision: vision, text: text, logitScale: siglip ? 10 : 100, logitBias: siglip ? -10 : nil,
            source: "random weights (seed \(seed))", precision: packing.precision)
    }
}

extension CLIPConfig {
    /// ViT-B/32 as released by OpenAI (`openai/clip-vit-base-patch32`).
    public static let vitB32 = CLIPConfig(
        vision: VisionConfig(
            transformer: TransformerConfig(width: 768, layers: 12, heads: 12, mlpWidth: 3072, activation: .quickGELU),
            imageSize: 224, patchSize: 32),
        text: TextConfig(
            transformer: TransformerConfig(width: 512, layers: 12, heads: 8, mlpWidth: 2048, activation: .quickGELU)),
        embedDim: 512)
}
