import CLIP
import Foundation

/// Corruptions swept by strength; strength 0 leaves the image as it is, for every kind.
public enum Noise: String, CaseIterable, Sendable {
    /// Additive Gaussian noise; strength: σ in 8-bit levels.
    case gaussian
    /// Pixels set to black or white; strength: the fraction of pixels.
    case saltAndPepper = "salt-and-pepper"
    /// Gaussian blur; strength: σ in pixels (Pillow's `GaussianBlur(radius)` takes σ as its radius).
    case blur
    /// JPEG through libjpeg-turbo's encoder; strength: 100 − quality (0: not encoded).
    case jpeg

    public var levels: [Double] {
        switch self {
        case .gaussian: return [0, 2, 4, 8, 16, 24, 32, 48, 64]
        case .saltAndPepper: return [0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3]
        case .blur: return [0, 0.5, 1, 1.5, 2, 3, 4, 6]
        case .jpeg: return [0, 5, 10, 25, 50, 70, 85, 95]
        }
    }

    public var axisLabel: String {
        switch self {
        case .gaussian: return "σ (8-bit levels)"
        case .saltAndPepper: return "fraction of pixels"
        case .blur: return "blur σ (pixels)"
        case .jpeg: return "100 − JPEG quality"
        }
    }

    public var title: String {
        switch self {
        case .gaussian: return "Gaussian noise"
        case .saltAndPepper: return "Salt and pepper"
        case .blur: return "Gaussian blur"
        case .jpeg: return "JPEG compression"
        }
    }

    public func apply(_ image: PixelImage, strength: Double, seed: UInt64) throws -> PixelImage {
        precondition(image.mode == .rgb)
        guard strength > 0 else { return image }
        var out = image
        var random = SeedStream(seed: seed)
        switch self {
        case .gaussian:
            for i in out.pixels.indices {
                // Box–Muller, one normal per value.
                let u1 = max(Double.random(in: 0..<1, using: &random), 1e-12),
                    u2 = Double.random(in: 0..<1, using: &random)
                let z = (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
                out.pixels[i] = UInt8(max(0, min(255, (Double(image.pixels[i]) + strength * z).rounded())))
            }
        case .saltAndPepper:
            let n = image.width * image.height
            for p in Occlusion.permutation(n, seed: seed).prefix(Int((strength * Double(n)).rounded())) {
                let v: UInt8 = Bool.random(using: &random) ? 255 : 0
                out.pixels[3 * p] = v
                out.pixels[3 * p + 1] = v
                out.pixels[3 * p + 2] = v
            }
        case .blur:
            out = Self.gaussianBlur(image, sigma: strength)
        case .jpeg:
            let quality = max(1, min(100, Int((100 - strength).rounded())))
            out = try ImageDecoder.decode(JPEGEncoder.encode(image, quality: quality), name: "jpeg q\(quality)")
                .convertedToRGB()
        }
        return out
    }

    /// A separable Gaussian blur (kernel to 3σ, edges clamped), rounded to 8 bits.
    static func gaussianBlur(_ image: PixelImage, sigma: Double) -> PixelImage {
        let r = max(1, Int((3 * sigma).rounded(.up)))
        var kernel = (-r...r).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let total = kernel.reduce(0, +)
        kernel = kernel.map { $0 / total }
        let w = image.width, h = image.height
        var pass = [Double](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            for x in 0..<w {
                for c in 0..<3 {
                    var s = 0.0
                    for k in -r...r {
                        s += kernel[k + r] * Double(image.pixels[3 * (y * w + min(max(x + k, 0), w - 1)) + c])
                    }
                    pass[3 * (y * w + x) + c] = s
                }
            }
        }
        var out = image
        for y in 0..<h {
            for x in 0..<w {
                for c in 0..<3 {
                    var s = 0.0
                    for k in -r...r { s += kernel[k + r] * pass[3 * (min(max(y + k, 0), h - 1) * w + x) + c] }
                    out.pixels[3 * (y * w + x) + c] = UInt8(max(0, min(255, s.rounded())))
                }
            }
        }
        return out
    }
}
