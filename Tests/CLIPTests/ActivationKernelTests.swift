import CLIP
import Foundation
import XCTest

/// The vectorised activations (`VectorMath`'s exp and erf) against libm, value by value, forward and
/// derivative, over a range that includes the saturated tails, on a count that is not a multiple of 8.
final class ActivationKernelTests: XCTestCase {
    let inputs: [Float] = (0..<1003).map { Float($0 - 501) * 0.02 } + [-90, -40, 40, 90]

    func scalar(_ x: Float, _ activation: Activation) -> (value: Float, slope: Float) {
        let x = Double(x)
        switch activation {
        case .quickGELU:
            let s = 1 / (1 + exp(-1.702 * x))
            return (Float(x * s), Float(s + 1.702 * x * s * (1 - s)))
        case .gelu:
            let cdf = 0.5 * (1 + erf(x / 2.0.squareRoot())), pdf = exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
            return (Float(x * cdf), Float(cdf + x * pdf))
        case .relu:
            return (Float(max(x, 0)), x > 0 ? 1 : 0)
        case .geluTanh:
            let k = (2 / Double.pi).squareRoot(), t = tanh(k * (x + 0.044715 * x * x * x))
            return (
                Float(0.5 * x * (1 + t)),
                Float(0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x))
            )
        }
    }

    func testForwardAndBackwardMatchDoublePrecision() {
        let n = inputs.count
        let dout = (0..<n).map { Float($0 % 7) - 3 }
        for activation in [Activation.quickGELU, .gelu, .relu, .geluTanh] {
            var out = [Float](repeating: .nan, count: n), dinp = [Float](repeating: .nan, count: n)
            ActivationKernel.forward(&out, inputs, count: n, activation: activation)
            ActivationKernel.backward(dinp: &dinp, inp: inputs, dout: dout, count: n, activation: activation)
            for i in 0..<n {
                let expected = scalar(inputs[i], activation)
                // exp ≤ 2 ulp and erf ≤ 1.2e-7 absolute: relative 1e-6 of the value's scale (and of x for the
                // linear tails), absolute 1e-6 near zero.
                let valueTolerance = 1e-6 * max(1, abs(inputs[i]))
                XCTAssertEqual(out[i], expected.value, accuracy: valueTolerance, "\(activation)(\(inputs[i]))")
                XCTAssertEqual(
                    dinp[i], expected.slope * dout[i], accuracy: 2e-6 * max(1, abs(dout[i])),
                    "\(activation)'(\(inputs[i])) · \(dout[i])")
            }
        }
    }

    /// `dinp` may be `dout` itself (the training MLP's backward overwrites its gradient in place).
    func testBackwardInPlace() {
        let n = inputs.count
        var grad = (0..<n).map { Float($0 % 5) - 2 }
        var separate = [Float](repeating: 0, count: n)
        ActivationKernel.backward(dinp: &separate, inp: inputs, dout: grad, count: n, activation: .gelu)
        grad.withUnsafeMutableBufferPointer { g in
            ActivationKernel.backward(
                dinp: g.baseAddress!, inp: inputs, dout: g.baseAddress!, count: n, activation: .gelu)
        }
        XCTAssertEqual(grad, separate)
    }
}
