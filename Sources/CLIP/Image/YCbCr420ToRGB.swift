/// 8-bit full-range 4:2:0 YCbCr → RGB as the libheif inside pillow-heif (1.23, the reference) converts
/// it. Debian's libheif 1.15 converts differently (float, and chroma always nearest), which moves
/// about 3% of values by one level, and far more on rotated odd-sized images; doing it here makes HEIC
/// pixels identical to the reference.
struct YCbCr420ToRGB {
    enum Method {
        /// libheif's direct 4:2:0 path: each chroma sample serves its 2×2 luma block, and the colour
        /// offsets are fixed point, `(round(256·k) · c + 128) >> 8`.
        case nearestFixedPoint
        /// libheif's path when a rotation or mirror meets an odd size: chroma upsampled bilinearly to
        /// 4:4:4 (weights 3/4, 1/4; edges from their own row or column), then a float matrix per pixel,
        /// rounded by `+0.5` and clamped.
        case bilinearFloat
    }

    let method: Method
    private let k: (Float, Float, Float, Float)
    private let rCr: Int, gCb: Int, gCr: Int, bCb: Int

    /// nclx `matrix_coefficients` and range; nil for what libheif converts another way (limited range,
    /// identity/GBR, YCgCo, ICtCp and chromaticity-derived matrices), which is left to libheif.
    init?(matrixCoefficients: Int, fullRange: Bool, method: Method) {
        self.method = method
        guard fullRange else { return nil }
        let kr: Float, kb: Float
        switch matrixCoefficients {
        case 1: (kr, kb) = (0.2126, 0.0722)
        case 4: (kr, kb) = (0.30, 0.11)
        case 5, 6: (kr, kb) = (0.299, 0.114)
        case 7: (kr, kb) = (0.212, 0.087)
        case 9, 10: (kr, kb) = (0.2627, 0.0593)
        case 2, 3: (kr, kb) = (0, 0)  // unspecified: libheif's BT.601 defaults below
        default: return nil
        }
        // Float coefficients in libheif's order of operations, then rounded to 8 fractional bits.
        var k: (Float, Float, Float, Float) = (1.402, -0.344136, -0.714136, 1.772)
        if kr != 0 || kb != 0 {
            let denominator = kb + kr - 1
            k = (2 * (-kr + 1), 2 * kb * (-kb + 1) / denominator, 2 * kr * (-kr + 1) / denominator, 2 * (-kb + 1))
        }
        self.k = k
        func fixed(_ value: Float) -> Int { Int((256 * value).rounded(.toNearestOrAwayFromZero)) }
        (rCr, gCb, gCr, bCb) = (fixed(k.0), fixed(k.1), fixed(k.2), fixed(k.3))
    }

    /// Interleaved RGB (or RGBA when `alpha` is given) from planes with their own strides; chroma planes
    /// are `(width+1)/2 × (height+1)/2`.
    func convert(
        y: UnsafePointer<UInt8>, yStride: Int, cb: UnsafePointer<UInt8>, cbStride: Int,
        cr: UnsafePointer<UInt8>, crStride: Int, alpha: (UnsafePointer<UInt8>, Int)?,
        width: Int, height: Int
    ) -> [UInt8] {
        let channels = alpha == nil ? 3 : 4
        var out = [UInt8](repeating: 0, count: width * height * channels)
        let full =
            method == .bilinearFloat
            ? (
                Self.upsample(cb, stride: cbStride, width: width, height: height),
                Self.upsample(cr, stride: crStride, width: width, height: height)
            )
            : nil
        out.withUnsafeMutableBufferPointer { out in
            for row in 0..<height {
                var o = row * width * channels
                for x in 0..<width {
                    let luma = Int(y[row * yStride + x])
                    if let (cbFull, crFull) = full {
                        let l = Float(luma), u = Float(Int(cbFull[row * width + x]) - 128),
                            v = Float(Int(crFull[row * width + x]) - 128)
                        out[o] = Self.round(l + k.0 * v)
                        let partial = l + k.1 * u
                        out[o + 1] = Self.round(partial + k.2 * v)
                        out[o + 2] = Self.round(l + k.3 * u)
                    } else {
                        let u = Int(cb[(row / 2) * cbStride + x / 2]) - 128,
                            v = Int(cr[(row / 2) * crStride + x / 2]) - 128
                        out[o] = Self.clamp(luma + ((rCr * v + 128) >> 8))
                        out[o + 1] = Self.clamp(luma + ((gCb * u + gCr * v + 128) >> 8))
                        out[o + 2] = Self.clamp(luma + ((bCb * u + 128) >> 8))
                    }
                    if let (a, stride) = alpha { out[o + 3] = a[row * stride + x] }
                    o += channels
                }
            }
        }
        return out
    }

    /// C's `(long)(f + 0.5f)` (truncation toward zero), clamped.
    private static func round(_ value: Float) -> UInt8 { UInt8(max(0, min(255, Int(value + 0.5)))) }

    /// Full-resolution chroma; chroma samples sit at the centre of each 2×2 luma block.
    private static func upsample(_ c: UnsafePointer<UInt8>, stride: Int, width w: Int, height h: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: w * h)
        func at(_ cy: Int, _ cx: Int) -> Int { Int(c[cy * stride + cx]) }
        func mix(_ near: Int, _ far: Int) -> UInt8 { UInt8((3 * near + far + 2) / 4) }
        // Edges blend along the edge only; corners take their sample.
        out[0] = c[0]
        if w % 2 == 0 { out[w - 1] = c[w / 2 - 1] }
        if h % 2 == 0 { out[(h - 1) * w] = c[(h / 2 - 1) * stride] }
        if w % 2 == 0 && h % 2 == 0 { out[(h - 1) * w + w - 1] = c[(h / 2 - 1) * stride + w / 2 - 1] }
        for k in 0..<((w - 1) / 2) {
            out[2 * k + 1] = mix(at(0, k), at(0, k + 1))
            out[2 * k + 2] = mix(at(0, k + 1), at(0, k))
            if h % 2 == 0 {
                out[(h - 1) * w + 2 * k + 1] = mix(at(h / 2 - 1, k), at(h / 2 - 1, k + 1))
                out[(h - 1) * w + 2 * k + 2] = mix(at(h / 2 - 1, k + 1), at(h / 2 - 1, k))
            }
        }
        for k in 0..<((h - 1) / 2) {
            out[(2 * k + 1) * w] = mix(at(k, 0), at(k + 1, 0))
            out[(2 * k + 2) * w] = mix(at(k + 1, 0), at(k, 0))
            if w % 2 == 0 {
                out[(2 * k + 1) * w + w - 1] = mix(at(k, w / 2 - 1), at(k + 1, w / 2 - 1))
                out[(2 * k + 2) * w + w - 1] = mix(at(k + 1, w / 2 - 1), at(k, w / 2 - 1))
            }
        }
        var y = 1
        while y < h - 1 {
            var x = 1
            while x < w - 1 {
                let (cy, cx) = (y / 2, x / 2)
                let c00 = at(cy, cx), c01 = at(cy, cx + 1), c10 = at(cy + 1, cx), c11 = at(cy + 1, cx + 1)
                out[y * w + x] = UInt8((9 * c00 + 3 * c01 + 3 * c10 + c11 + 8) / 16)
                out[y * w + x + 1] = UInt8((3 * c00 + 9 * c01 + c10 + 3 * c11 + 8) / 16)
                out[(y + 1) * w + x] = UInt8((3 * c00 + c01 + 9 * c10 + 3 * c11 + 8) / 16)
                out[(y + 1) * w + x + 1] = UInt8((c00 + 3 * c01 + 3 * c10 + 9 * c11 + 8) / 16)
                x += 2
            }
            y += 2
        }
        return out
    }

    private static func clamp(_ value: Int) -> UInt8 { UInt8(max(0, min(255, value))) }
}
