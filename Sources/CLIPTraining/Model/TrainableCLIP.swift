import CLIP
import Foundation

/// A two-tower CLIP whose parameters, gradients and optimiser state live in flat blocks of one layout
/// (`TwoTowerLayout`, Hugging Face names), with forward and backward for one batch of pairs.
public final class TrainableCLIP: @unchecked Sendable {
    public let config: CLIPConfig
    let shape: TwoTowerLayout
    public let parameters: FlatBuffer
    public let gradients: FlatBuffer
    public var layout: ParameterLayout { shape.layout }

    private var vision: VisionActivations?
    private var text: TextActivations?
    private var dImage: FlatBuffer?, dText: FlatBuffer?

    /// A model with the initial values of transformers' `CLIPModel._init_weights` (seeded): normal weights
    /// with its per-layer standard deviations, unit gains, zero biases, `logit_scale = log(1/0.07)` and
    /// SigLIP's `logit_bias = −10`.
    public init(config: CLIPConfig, seed: UInt64 = 0) throws {
        try config.validate(source: "model config")
        // Training is ViT-only (the layouts, kernels and export below read `config.vit!` after this check).
        _ = try config.requireViT(for: "training")
        self.config = config
        shape = TwoTowerLayout(config: config)
        parameters = FlatBuffer(count: shape.layout.total)
        gradients = FlatBuffer(count: shape.layout.total)
        ParameterInitializer.initialize(self, seed: seed)
    }

    public var logitScale: Float {
        get { parameters.data[shape.logitScale] }
        set { parameters.data[shape.logitScale] = newValue }
    }

    public var logitBias: Float {
        get { parameters.data[shape.logitBias] }
        set { parameters.data[shape.logitBias] = newValue }
    }

    /// Keeps the temperature at most 100 (`logit_scale ≤ ln 100`) and non-negative, as open_clip does after
    /// every optimiser step.
    public func clampLogitScale() {
        logitScale = min(max(logitScale, 0), log(100))
    }

    /// One batch: forward both towers, the loss, backward into `gradients` (which it zeroes first).
    /// - Parameters:
    ///   - pixels: `[N, 3, S, S]`, normalised.
    ///   - tokens: `[N, context]` token ids.
    ///   - trainImageTower: false for LiT (a locked image tower gets no gradients and no backward pass).
    public func lossAndGradients(pixels: Tensor, tokens: [Int32], loss kind: LossKind, trainImageTower: Bool = true)
        -> LossResult
    {
        let n = pixels.shape[0], d = config.embedDim
        let (va, ta) = activations(batch: n)
        ta.setTokens(tokens)
        gradients.zero()
        let p = UnsafePointer(parameters.data), g = gradients.data
        VisionTowerLayer.forward(
            va, pixels: pixels.data, params: p, offsets: shape.vision, config: config.vit!, embedDim: d)
        TextTowerLayer.forward(ta, params: p, offsets: shape.text, config: config.text, embedDim: d)
        let result = ContrastiveLoss.compute(
            kind, image: va.head.embeddings.data, text: ta.head.embeddings.data, count: n, dim: d,
            logitScale: logitScale, logitBias: logitBias, dImage: dImage!.data, dText: dText!.data)
        g[shape.logitScale] = result.dLogitScale
        g[shape.logitBias] = result.dLogitBias
        TextTowerLayer.backward(
            ta, dEmbeddings: dText!.data, params: p, grads: g, offsets: shape.text, config: config.text, embedDim: d)
        if trainImageTower {
            VisionTowerLayer.backward(
                va, dEmbeddings: dImage!.data, params: p, grads: g, offsets: shape.vision, config: config.vit!,
                embedDim: d)
        }
        return result
    }

    /// The normalised embeddings of the last `lossAndGradients` call (`[N, D]` each).
    public var lastEmbeddings: (image: [Float], text: [Float]) {
        (
            Array(vision?.head.embeddings.buffer ?? .init(start: nil, count: 0)),
            Array(text?.head.embeddings.buffer ?? .init(start: nil, count: 0))
        )
    }

    private func activations(batch n: Int) -> (VisionActivations, TextActivations) {
        if let vision, let text, vision.batch == n, text.batch == n { return (vision, text) }
        let v = VisionActivations(batch: n, config: config.vit!, embedDim: config.embedDim)
        let t = TextActivations(batch: n, config: config.text, embedDim: config.embedDim)
        vision = v
        text = t
        dImage = FlatBuffer(count: n * config.embedDim)
        dText = FlatBuffer(count: n * config.embedDim)
        return (v, t)
    }

    /// The image tower's activations for `n` images (reused while the batch size stays).
    func imageActivations(batch n: Int) -> VisionActivations {
        if let vision, vision.batch == n { return vision }
        let v = VisionActivations(batch: n, config: config.vit!, embedDim: config.embedDim)
        vision = v
        return v
    }
}
