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
            let g = UnsafeRawPointer(gradients.data + slot.offset)
            // 8 running sums (one vector), so the loop vectorises.
            var lanes = SIMD8<Float>(), j = 0
            while j + 8 <= slot.count {
                let v = g.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
                lanes.addProduct(v, v)
                j += 8
            }
            var s = lanes.sum()
            while j < slot.count {
                let v = g.load(fromByteOffset: j * 4, as: Float.self)
                s += v * v
                j += 1
            }
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
            let epsilon = settings.epsilon
            Parallelism.forEachChunk(slot.count, minChunk: 8192) { range in
                // 8 elements at a time (the four buffers may alias as far as the compiler knows, so it would
                // not vectorise this itself), then the tail one by one, with the same operations.
                var j = range.lowerBound
                while j + 8 <= range.upperBound {
                    let grad = Self.load(g + j) * clip
                    let mj = b1 * Self.load(m + j) + (1 - b1) * grad
                    let vj = b2 * Self.load(v + j) + (1 - b2) * grad * grad
                    let pj = Self.load(p + j) * shrink - stepSize * mj / (vj.squareRoot() / rootCorrection2 + epsilon)
                    Self.store(pj, p + j)
                    Self.store(mj, m + j)
                    Self.store(vj, v + j)
                    j += 8
                }
                while j < range.upperBound {
                    let grad = g[j] * clip
                    p[j] *= shrink
                    m[j] = b1 * m[j] + (1 - b1) * grad
                    v[j] = b2 * v[j] + (1 - b2) * grad * grad
                    p[j] -= stepSize * m[j] / (v[j].squareRoot() / rootCorrection2 + epsilon)
                    j += 1
                }
            }
        }
        return norm
    }

    @inline(__always)
    private static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    private static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }
}
