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
    /// The alpha PIL keeps beside a palette or colour-keyed image (`info["transparency"]`, one byte per
    /// pixel): `convert("RGB")` ignores it, as open_clip does; transformers composites it onto white.
    public var transparency: [UInt8]?

    public init(width: Int, height: Int, mode: Mode, pixels: [UInt8], transparency: [UInt8]? = nil) {
        precondition(
            pixels.count == width * height * mode.channels, "pixel buffer does not match \(width)x\(height) \(mode)")
        precondition(
            transparency.map { $0.count == width * height } ?? true, "transparency does not match \(width)x\(height)")
        self.width = width
        self.height = height
        self.mode = mode
        self.pixels = pixels
        self.transparency = transparency
    }

    /// Whether PIL would see transparency (an alpha band, or `info["transparency"]`).
    public var hasTransparency: Bool { mode == .rgba || mode == .grayAlpha || transparency != nil }

    /// transformers' `convert_to_rgb`: an image with transparency becomes RGBA and is composited onto opaque
    /// white with Pillow's `alpha_composite` integer arithmetic (7 extra bits; over an opaque background
    /// the source weight is exactly `a·128`); any other image is `convert("RGB")`.
    public func compositedOnWhite() -> PixelImage {
        guard hasTransparency, mode != .cmyk else { return convertedToRGB() }
        let rgb = convertedToRGB().pixels, c = mode.channels
        var out = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            let a: UInt32
            switch mode {
            case .rgba, .grayAlpha: a = UInt32(pixels[i * c + c - 1])
            default: a = UInt32(transparency?[i] ?? 255)
            }
            for ch in 0..<3 {
                guard a > 0 else {
                    out[3 * i + ch] = 255
                    continue
                }
                let t = UInt32(rgb[3 * i + ch]) * (a << 7) + 255 * ((255 - a) << 7) + (0x80 << 7)
                out[3 * i + ch] = UInt8((((t >> 8) + t) >> 8) >> 7)
            }
        }
        return PixelImage(width: width, height: height, mode: .rgb, pixels: out)
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
                    out[3 * i] = pixels[c * i]
                    out[3 * i + 1] = pixels[c * i + 1]
                    out[3 * i + 2] = pixels[c * i + 2]
                } else {
                    let g = pixels[c * i]
                    out[3 * i] = g
                    out[3 * i + 1] = g
                    out[3 * i + 2] = g
                }
            }
            return PixelImage(width: width, height: height, mode: .rgb, pixels: out)
        }
    }

    /// A sub-rectangle, as PIL's `crop`: what lies outside the image is 0 (black).
    func cropped(left: Int, top: Int, width w: Int, height h: Int) -> PixelImage {
        let c = mode.channels
        var out = [UInt8](repeating: 0, count: w * h * c)
        let x0 = max(0, -left), x1 = min(w, width - left)
        guard x0 < x1 else { return PixelImage(width: w, height: h, mode: mode, pixels: out) }
        for y in 0..<h where top + y >= 0 && top + y < height {
            let src = ((top + y) * width + left + x0) * c
            for i in 0..<((x1 - x0) * c) { out[(y * w + x0) * c + i] = pixels[src + i] }
        }
        return PixelImage(width: w, height: h, mode: mode, pixels: out)
    }
}
