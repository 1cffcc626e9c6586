// SIMD transcendental functions for the elementwise kernels. Scalar libm calls per element would cost
// more than the GEMMs they sit between; these keep ≤ 2 ulp (exp) and ≤ 1.2e-7 absolute (erf) error.

typealias Vec8 = SIMD8<Float>

@inline(__always)
func vexp(_ x: Vec8) -> Vec8 {
    // Cody–Waite range reduction: x = n·ln2 + r, |r| ≤ ln2/2, then a degree-6 polynomial for e^r.
    // n is rounded by adding 1.5·2²³ (the low mantissa bits then hold n), which stays in vector
    // registers; Float→Int32 SIMD conversion would be scalarised.
    let magic = Vec8(repeating: 12582912.0)
    // Clamp with masked selects: the generic pointwiseMin/Max are not inlined and cost a call per vector.
    let lo = Vec8(repeating: -87.33654), hi = Vec8(repeating: 88.37626)
    var clamped = x.replacing(with: lo, where: x .< lo)
    clamped.replace(with: hi, where: clamped .> hi)
    let shifted = clamped * 1.442695041 + magic
    let n = shifted - magic
    var r = clamped - n * 0.693359375
    r = r + n * 2.12194440e-4
    var p = Vec8(repeating: 1.9875691500e-4)
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    p = p * r * r + r + 1
    let exponent = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
    return p * unsafeBitCast(exponent, to: Vec8.self)
}

@inline(__always)
func verf(_ x: Vec8) -> Vec8 {
    // erfc via the Chebyshev-fitted form of Numerical Recipes (fractional error < 1.2e-7).
    let z = x.replacing(with: -x, where: x .< 0)
    let t = 1 / (1 + 0.5 * z)
    var p = Vec8(repeating: 0.17087277)
    p = p * t - 0.82215223
    p = p * t + 1.48851587
    p = p * t - 1.13520398
    p = p * t + 0.27886807
    p = p * t - 0.18628806
    p = p * t + 0.09678418
    p = p * t + 0.37409196
    p = p * t + 1.00002368
    p = p * t - 1.26551223
    let erfcAbs = t * vexp(-z * z + p)
    let erfAbs = 1 - erfcAbs
    return erfAbs.replacing(with: -erfAbs, where: x .< 0)
}

@inline(__always)
func scalarExp(_ x: Float) -> Float { vexp(Vec8(repeating: x))[0] }
