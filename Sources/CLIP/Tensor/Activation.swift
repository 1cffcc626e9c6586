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

/// The activations over whole buffers, vectorised (`VectorMath`'s exp and erf, not a libm call per value):
/// in place after a GEMM at inference, and for training's forward (`out = act(inp)`, `inp` kept) and
/// backward (`dinp = act'(inp)·dout`) passes.
public enum ActivationKernel {
    /// `m = act(m + bias)` in place over `[rows, width]`, fused so the MLP hidden state is read once.
    static func biasActivation(
        _ m: UnsafeMutablePointer<Float>, rows: Int, width: Int, bias: UnsafePointer<Float>, activation: Activation?,
        serial: Bool = false
    ) {
        GEMM.split(rows, minChunk: 4, serial: serial) { range in
            for r in range {
                let row = m + r * width
                eachVector(0..<width) { i, lanes in
                    store(apply(load(row + i, lanes) + load(bias + i, lanes), activation), row + i, lanes)
                }
            }
        }
    }

    /// `m = act(m)` in place over `count` values.
    static func activate(_ m: UnsafeMutablePointer<Float>, count: Int, activation: Activation, serial: Bool = false) {
        GEMM.split(count, minChunk: 16384, serial: serial) { range in
            eachVector(range) { i, lanes in store(apply(load(m + i, lanes), activation), m + i, lanes) }
        }
    }

    /// `out = act(inp)` over `count` values, split across the threads.
    public static func forward(
        _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, count: Int, activation: Activation
    ) {
        Parallelism.forEachChunk(count, minChunk: 4096) { range in
            eachVector(range) { i, lanes in
                store(apply(load(inp + i, lanes), activation), out + i, lanes)
            }
        }
    }

    /// `dinp = act'(inp) · dout` over `count` values (`dinp` may be `dout` itself), split across the threads.
    public static func backward(
        dinp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, dout: UnsafePointer<Float>, count: Int,
        activation: Activation
    ) {
        Parallelism.forEachChunk(count, minChunk: 4096) { range in
            eachVector(range) { i, lanes in
                store(derivative(load(inp + i, lanes), activation) * load(dout + i, lanes), dinp + i, lanes)
            }
        }
    }

    /// `act'(x)`.
    @inline(__always)
    static func derivative(_ x: Vec8, _ activation: Activation) -> Vec8 {
        switch activation {
        case .quickGELU:
            // d/dx x·σ(ax) = σ + a·x·σ·(1 − σ)
            let s = 1 / (1 + vexp(-1.702 * x))
            return s + 1.702 * x * s * (1 - s)
        case .gelu:
            // d/dx ½x(1 + erf(x/√2)) = Φ(x) + x·φ(x)
            let cdf = 0.5 * (1 + verf(x * 0.70710678118654752)), pdf = vexp(-0.5 * x * x) * 0.3989422804014327
            return cdf + x * pdf
        case .relu:
            return Vec8(repeating: 0).replacing(with: 1, where: x .> 0)
        case .geluTanh:
            let k: Float = 0.7978845608028654, x2 = x * x
            let u: Vec8 = k * (x + 0.044715 * x2 * x)
            let t: Vec8 = 1 - 2 / (vexp(2 * u) + 1)
            let du: Vec8 = k * (1 + 0.134145 * x2)  // d/dx of u
            return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du
        }
    }

    /// Calls `body(i, lanes)` for the vectors of `range`: 8 lanes, then the tail's count.
    @inline(__always)
    static func eachVector(_ range: Range<Int>, _ body: (Int, Int) -> Void) {
        var i = range.lowerBound
        while i + 8 <= range.upperBound {
            body(i, 8)
            i += 8
        }
        if i < range.upperBound { body(i, range.upperBound - i) }
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ lanes: Int) -> Vec8 {
        if lanes == 8 { return UnsafeRawPointer(p).loadUnaligned(as: Vec8.self) }
        var v = Vec8()
        for j in 0..<lanes { v[j] = p[j] }
        return v
    }

    @inline(__always)
    static func store(_ v: Vec8, _ p: UnsafeMutablePointer<Float>, _ lanes: Int) {
        if lanes == 8 { return UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec8.self) }
        for j in 0..<lanes { p[j] = v[j] }
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
