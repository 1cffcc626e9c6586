import CLIP

/// The MLP non-linearity, elementwise: QuickGELU `x·σ(1.702x)`, exact GELU `½x(1 + erf(x/√2))`, ReLU or
/// tanh-GELU, on the inference engine's vectorised kernels (a libm `expf` per value cost a fifth of a
/// training step).
@_spi(Kernels) public enum ActivationLayer {
    public static func forward(
        _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, count: Int, activation: Activation
    ) {
        ActivationKernel.forward(out, inp, count: count, activation: activation)
    }

    /// `dinp = act'(inp)·dout` (overwrites; `dinp` may be `dout` itself).
    public static func backward(
        dinp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, dout: UnsafePointer<Float>,
        count: Int, activation: Activation
    ) {
        ActivationKernel.backward(dinp: dinp, inp: inp, dout: dout, count: count, activation: activation)
    }
}
