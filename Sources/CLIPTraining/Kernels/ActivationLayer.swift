import CLIP
import Foundation

/// The MLP non-linearity, elementwise: QuickGELU `x·σ(1.702x)` or exact GELU `½x(1 + erf(x/√2))`.
@_spi(Kernels) public enum ActivationLayer {
    public static func forward(
        _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, count: Int, activation: Activation
    ) {
        Parallelism.forEachChunk(count, minChunk: 4096) { range in
            switch activation {
            case .quickGELU:
                for i in range {
                    let x = inp[i]
                    out[i] = x / (1 + expf(-1.702 * x))
                }
            case .gelu:
                for i in range {
                    let x = inp[i]
                    out[i] = 0.5 * x * (1 + erff(x * 0.70710678))
                }
            case .relu:
                for i in range { out[i] = max(inp[i], 0) }
            case .geluTanh:
                for i in range {
                    let x = inp[i]
                    out[i] = 0.5 * x * (1 + tanhf(0.7978845608 * (x + 0.044715 * x * x * x)))
                }
            }
        }
    }

    /// `dinp = act'(inp)·dout` (overwrites; `dinp` may be `dout` itself).
    public static func backward(
        dinp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, dout: UnsafePointer<Float>,
        count: Int, activation: Activation
    ) {
        Parallelism.forEachChunk(count, minChunk: 4096) { range in
            switch activation {
            case .quickGELU:
                // d/dx x·σ(ax) = σ + a·x·σ·(1 − σ)
                for i in range {
                    let x = inp[i], s = 1 / (1 + expf(-1.702 * x))
                    dinp[i] = dout[i] * (s + 1.702 * x * s * (1 - s))
                }
            case .gelu:
                // d/dx ½x(1 + erf(x/√2)) = Φ(x) + x·φ(x)
                for i in range {
                    let x = inp[i]
                    let cdf = 0.5 * (1 + erff(x * 0.70710678)), pdf = expf(-0.5 * x * x) * 0.39894228
                    dinp[i] = dout[i] * (cdf + x * pdf)
                }
            case .relu:
                for i in range { dinp[i] = inp[i] > 0 ? dout[i] : 0 }
            case .geluTanh:
                for i in range {
                    let x = inp[i], k: Float = 0.7978845608, t = tanhf(k * (x + 0.044715 * x * x * x))
                    dinp[i] = dout[i] * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x))
                }
            }
        }
    }
}
