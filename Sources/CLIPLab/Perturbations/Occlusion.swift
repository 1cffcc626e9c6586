import CLIP

/// Grey over a growing share of an image: random pixels, or random squares of a grid. The order in which
/// pixels (or squares) turn grey is one seeded permutation per image, so a larger fraction covers everything
/// a smaller one did.
public enum Occlusion {
    public enum Mode: String, CaseIterable, Sendable {
        case pixels
        case patches
    }

    public static let grey: UInt8 = 128

    /// `image` (RGB) with `fraction` of it grey. `patch`: the squares' side in pixels.
    public static func apply(_ image: PixelImage, fraction: Double, mode: Mode, patch: Int, seed: UInt64) -> PixelImage
    {
        apply(
            image, fraction: fraction, mode: mode, patch: patch,
            order: order(image, mode: mode, patch: patch, seed: seed))
    }

    /// The order in which pixels (or squares) turn grey: one permutation per image, kept by a caller that
    /// makes many fractions of the same image.
    public static func order(_ image: PixelImage, mode: Mode, patch: Int, seed: UInt64) -> [Int] {
        switch mode {
        case .pixels: return permutation(image.width * image.height, seed: seed)
        case .patches:
            return permutation(((image.width + patch - 1) / patch) * ((image.height + patch - 1) / patch), seed: seed)
        }
    }

    public static func apply(_ image: PixelImage, fraction: Double, mode: Mode, patch: Int, order: [Int]) -> PixelImage
    {
        precondition(image.mode == .rgb)
        var out = image
        let w = image.width, h = image.height
        switch mode {
        case .pixels:
            for p in order.prefix(Int((fraction * Double(w * h)).rounded())) {
                out.pixels[3 * p] = grey
                out.pixels[3 * p + 1] = grey
                out.pixels[3 * p + 2] = grey
            }
        case .patches:
            let cols = (w + patch - 1) / patch, rows = (h + patch - 1) / patch
            for cell in order.prefix(Int((fraction * Double(cols * rows)).rounded())) {
                let x0 = (cell % cols) * patch, y0 = (cell / cols) * patch
                for y in y0..<min(h, y0 + patch) {
                    for x in x0..<min(w, x0 + patch) {
                        let p = 3 * (y * w + x)
                        out.pixels[p] = grey
                        out.pixels[p + 1] = grey
                        out.pixels[p + 2] = grey
                    }
                }
            }
        }
        return out
    }

    /// A seeded permutation of 0..<n (Fisher–Yates).
    static func permutation(_ n: Int, seed: UInt64) -> [Int] {
        var random = SeedStream(seed: seed)
        var order = Array(0..<n)
        for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, Int.random(in: 0...i, using: &random)) }
        return order
    }
}
