/// The MLP non-linearities CLIP checkpoints use.
public enum Activation: String, Codable, Sendable {
    /// `x · σ(1.702x)`: OpenAI's original CLIP models.
    case quickGELU = "quick_gelu"
    /// `0.5x(1 + erf(x/√2))`: most OpenCLIP/LAION models.
    case gelu = "gelu"
    /// `max(x, 0)`: the ResNet image towers' convolutions.
    case relu = "relu"
    /// `0.5x(1 + tanh(√(2/π)(x + 0.044715x³)))`: SigLIP in transformers (`gelu_pytorch_tanh`).
    case geluTanh = "gelu_pytorch_tanh"
}

enum ActivationKernel {
    /// `m = act(m + bias)` in place over `[rows, width]`, fused so the MLP hidden state is read once.
    static func biasActivation(
        _ m: UnsafeMutablePointer<Float>, rows: Int, width: Int, bias: UnsafePointer<Float>, activation: Activation?,
        serial: Bool = false
    ) {
        GEMM.split(rows, minChunk: 4, serial: serial) { range in
            for r in range {
                let row = m + r * width
                var i = 0
                while i + 8 <= width {
                    let x =
                        UnsafeRawPointer(row + i).loadUnaligned(as: Vec8.self)
                        + UnsafeRawPointer(bias + i).loadUnaligned(as: Vec8.self)
                    UnsafeMutableRawPointer(row + i).storeBytes(of: apply(x, activation), as: Vec8.self)
                    i += 8
                }
                while i < width {
                    row[i] = apply(Vec8(repeating: row[i] + bias[i]), activation)[0]
                    i += 1
                }
            }
        }
    }

    /// `m = act(m)` in place over `count` values.
    static func activate(_ m: UnsafeMutablePointer<Float>, count: Int, activation: Activation, serial: Bool = false) {
        GEMM.split(count, minChunk: 16384, serial: serial) { range in
            var i = range.lowerBound
            while i + 8 <= range.upperBound {
                UnsafeMutableRawPointer(m + i).storeBytes(
                    of: apply(UnsafeRawPointer(m + i).loadUnaligned(as: Vec8.self), activation), as: Vec8.self)
                i += 8
            }
            while i < range.upperBound {
                m[i] = apply(Vec8(repeating: m[i]), activation)[0]
                i += 1
            }
        }
    }

    @inline(__always)
    static func apply(_ x: Vec8, _ activation: Activation?) -> Vec8 {
        switch activation {
        case .quickGELU?: return x / (1 + vexp(-1.702 * x))
        case .gelu?: return 0.5 * x * (1 + verf(x * 0.70710678118654752))
        case .relu?: return x.replacing(with: 0, where: x .< 0)
        case .geluTanh?:
            let u = 0.7978845608028654 * (x + 0.044715 * x * x * x)
            return 0.5 * x * (1 + (1 - 2 / (vexp(2 * u) + 1)))
        case nil: return x
        }
    }
}
