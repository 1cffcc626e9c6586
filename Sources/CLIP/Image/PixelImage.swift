/// Decoded 8-bit pixels, interleaved, in one of the PIL modes CLIP inputs arrive in.
public struct PixelImage: Sendable, Equatable {
    /// PIL's mode names: what matters is how each mode is resized and converted to RGB.
    public enum Mode: String, Sendable {
        case gray = "L", grayAlpha = "LA", rgb = "RGB", rgba = "RGBA"
        /// A palette image, already expanded to RGB; PIL resizes these with nearest-neighbour.
        case palette = "P"
        /// Print colours (CMYK JPEGs), resized as four plain channels and converted to RGB afterwards.
        case cmyk = "CMYK"

        public var channels: Int {
            switch self {
            case .gray: return 1
            case .grayAlpha: return 2
            case .rgb, .palette: return 3
            case .rgba, .cmyk: return 4
            }
        }
    }

    public var width: Int
    public var height: Int
    public var mode: Mode
    public var pixels: [UInt8]

    public init(width: Int, height: Int, mode: Mode, pixels: [UInt8]) {
        precondition(pixels.count == width * height * mode.channels, "pixel buffer does not match \(width)x\(height) \(mode)")
        self.width = width; self.height = height; self.mode = mode; self.pixels = pixels
    }

    /// PIL's `convert("RGB")`: gray is replicated, alpha is dropped (not composited), CMYK is
    /// `(255 − k) − c·(255 − k)/255` per channel with PIL's rounding.
    public func convertedToRGB() -> PixelImage {
        switch mode {
        case .rgb: return self
        case .cmyk:
            var out = [UInt8](repeating: 0, count: width * height * 3)
            for i in 0..<(width * height) {
                let nk = 255 - Int(pixels[4 * i + 3])
                for c in 0..<3 {
                    let t = Int(pixels[4 * i + c]) * nk + 128
                    out[3 * i + c] = UInt8(max(0, min(255, nk - (((t >> 8) + t) >> 8))))
                }
            }
            return PixelImage(width: width, height: height, mode: .rgb, pixels: out)
        case .palette: return PixelImage(width: width, height: height, mode: .rgb, pixels: pixels)
        case .gray, .grayAlpha, .rgba:
            let c = mode.channels
            var out = [UInt8](repeating: 0, count: width * height * 3)
            for i in 0..<(width * height) {
                if c >= 3 {
                    out[3 * i] = pixels[c * i]; out[3 * i + 1] = pixels[c * i + 1]; out[3 * i + 2] = pixels[c * i + 2]
                } else {
                    let g = pixels[c * i]
                    out[3 * i] = g; out[3 * i + 1] = g; out[3 * i + 2] = g
                }
            }
            return PixelImage(width: width, height: height, mode: .rgb, pixels: out)
        }
    }

    /// A sub-rectangle (PIL `crop` within bounds).
    func cropped(left: Int, top: Int, width w: Int, height h: Int) -> PixelImage {
        let c = mode.channels
        var out = [UInt8](repeating: 0, count: w * h * c)
        for y in 0..<h {
            let src = ((top + y) * width + left) * c
            for i in 0..<(w * c) { out[y * w * c + i] = pixels[src + i] }
        }
        return PixelImage(width: w, height: h, mode: mode, pixels: out)
    }
}
