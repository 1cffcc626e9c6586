/// Resampling as `torch.nn.functional.interpolate(..., antialias=False, align_corners=False)` does it on an
/// 8-bit image: each output pixel samples the input around `(x + 0.5) · in/out − 0.5` with a filter whose
/// support does not grow when downscaling (so it aliases, unlike Pillow), edges clamped; nearest takes
/// `floor(x · in/out)`. The results are rounded to 8 bits. Only for measuring other pipelines' effect.
enum FixedSupportResize {
    /// `window`: only those output pixels (what a crop keeps), at the window's cost.
    static func resize(
        _ image: PixelImage, width outW: Int, height outH: Int, _ interpolation: PreprocessConfig.Interpolation,
        window: Resample.Window? = nil
    ) -> PixelImage {
        precondition(image.mode == .rgb, "FixedSupportResize takes RGB")
        let window = window ?? Resample.Window(columns: 0..<outW, rows: 0..<outH)
        if outW == image.width && outH == image.height && window == Resample.Window(columns: 0..<outW, rows: 0..<outH) {
            return image
        }
        let xs = taps(inSize: image.width, outSize: outW, interpolation, outputs: window.columns)
        let ys = taps(inSize: image.height, outSize: outH, interpolation, outputs: window.rows)
        let w = xs.count, h = ys.count
        var out = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            for x in 0..<w {
                for c in 0..<3 {
                    var sum: Float = 0
                    for (iy, wy) in ys[y] {
                        let row = iy * image.width
                        for (ix, wx) in xs[x] { sum += wy * wx * Float(image.pixels[(row + ix) * 3 + c]) }
                    }
                    out[(y * w + x) * 3 + c] = UInt8(max(0, min(255, sum.rounded())))
                }
            }
        }
        return PixelImage(width: w, height: h, mode: .rgb, pixels: out)
    }

    /// Per output index in `outputs` (default: all), the input indices and weights it samples.
    static func taps(
        inSize: Int, outSize: Int, _ interpolation: PreprocessConfig.Interpolation, outputs: Range<Int>? = nil
    ) -> [[(Int, Float)]] {
        let scale = Float(inSize) / Float(outSize)
        func clamp(_ i: Int) -> Int { min(max(i, 0), inSize - 1) }
        return (outputs ?? 0..<outSize).map { o in
            switch interpolation {
            case .nearest, .pillowBicubic:
                return [(min(Int((Float(o) * scale).rounded(.down)), inSize - 1), 1)]
            case .bilinear:
                let centre = max((Float(o) + 0.5) * scale - 0.5, 0), i0 = Int(centre.rounded(.down)),
                    t = centre - Float(i0)
                return [(clamp(i0), 1 - t), (clamp(i0 + 1), t)]
            case .bicubic:
                let centre = (Float(o) + 0.5) * scale - 0.5, i0 = Int(centre.rounded(.down)), t = centre - Float(i0)
                return (-1...2).map { k in (clamp(i0 + k), cubic(Float(k) - t)) }
            }
        }
    }

    /// Keys' cubic convolution kernel with a = −0.75 (PyTorch's).
    static func cubic(_ x: Float) -> Float {
        let a: Float = -0.75, d = abs(x)
        if d <= 1 { return ((a + 2) * d - (a + 3)) * d * d + 1 }
        if d < 2 { return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a }
        return 0
    }
}
