import CLIP
import Foundation

/// AdamW with decoupled weight decay (Loshchilov & Hutter), as `torch.optim.AdamW` computes it, over a
/// flat parameter block: moments share the parameters' layout, so a step is one loop.
public final class AdamW: @unchecked Sendable {
    public struct Settings: Sendable, Equatable {
        public var beta1: Float = 0.9
        public var beta2: Float = 0.98  // open_clip's default for ViTs
        public var epsilon: Float = 1e-6
        public var weightDecay: Float = 0.2
        /// Global L2 norm the gradients are clipped to before the step (nil: no clipping).
        public var maxGradientNorm: Float? = 1.0
        public init() {}
    }

    public let settings: Settings
    public let firstMoment: FlatBuffer
    public let secondMoment: FlatBuffer
    public internal(set) var step = 0
    /// Per element: weight-decay rate multiplier (1 for matrices, 0 otherwise) and whether it trains at all.
    private let decay: [Bool]
    private let frozen: [Bool]
    private let slots: [ParameterSlot]

    /// `frozen` names parameters that never change (a locked tower).
    public init(
        layout: ParameterLayout, settings: Settings = Settings(),
        frozen isFrozen: (ParameterSlot) -> Bool = { _ in false }
    ) {
        self.settings = settings
        slots = layout.slots
        decay = layout.slots.map(\.decays)
        frozen = layout.slots.map(isFrozen)
        firstMoment = FlatBuffer(count: layout.total)
        secondMoment = FlatBuffer(count: layout.total)
    }

    /// Clips `gradients` to `maxGradientNorm` (over the trainable parameters) and applies one update at
    /// learning rate `lr`. Returns the gradient norm before clipping.
    @discardableResult
    public func update(_ parameters: FlatBuffer, gradients: FlatBuffer, lr: Float) -> Float {
        var sumSquares = 0.0
        for (i, slot) in slots.enumerated() where !frozen[i] {
            let g = gradients.data + slot.offset
            var s: Float = 0
            for j in 0..<slot.count { s += g[j] * g[j] }
            sumSquares += Double(s)
        }
        let norm = Float(sumSquares.squareRoot())
        // torch.nn.utils.clip_grad_norm_: scale by min(1, max / (norm + 1e-6)).
        let clip = settings.maxGradientNorm.map { min(1, $0 / (norm + 1e-6)) } ?? 1
        step += 1
        let b1 = settings.beta1, b2 = settings.beta2
        let stepSize = lr / (1 - pow(b1, Float(step)))
        let rootCorrection2 = (1 - pow(b2, Float(step))).squareRoot()
        for (i, slot) in slots.enumerated() where !frozen[i] {
            let p = parameters.data + slot.offset, g = gradients.data + slot.offset
            let m = firstMoment.data + slot.offset, v = secondMoment.data + slot.offset
            let shrink = decay[i] ? 1 - lr * settings.weightDecay : 1
            Parallelism.forEachChunk(slot.count, minChunk: 8192) { range in
                for j in range {
                    let grad = g[j] * clip
                    p[j] *= shrink
                    m[j] = b1 * m[j] + (1 - b1) * grad
                    v[j] = b2 * v[j] + (1 - b2) * grad * grad
                    p[j] -= stepSize * m[j] / (v[j].squareRoot() / rootCorrection2 + settings.epsilon)
                }
            }
        }
        return norm
    }
}
