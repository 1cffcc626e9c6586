import Foundation

/// How an image becomes the model's input tensor, as the reference transforms do it on a PIL image.
public struct PreprocessConfig: Sendable, Equatable {
    public enum ResizeMode: String, Sendable {
        /// Shortest side to `size` (long side `int(size·long/short)`), then a centre crop: CLIP's default.
        case shortest
        /// Both sides to `size`, ignoring the aspect ratio (open_clip `resize_mode: squash`).
        case squash
    }

    /// When an image becomes RGB — where the two references part for images with transparency.
    public enum RGBConversion: String, Sendable {
        /// open_clip: resize in the image's own mode (alpha premultiplied), then `convert("RGB")`, which
        /// drops alpha without compositing.
        case afterResize
        /// transformers' image processors (`do_convert_rgb`): first to RGB, transparency composited onto
        /// white, then resized.
        case firstOntoWhite
    }

    public var size: Int
    public var mean: [Float]
    public var std: [Float]
    public var resizeMode: ResizeMode
    public var rgbConversion: RGBConversion

    public init(size: Int = 224, mean: [Float] = PreprocessConfig.openAIMean, std: [Float] = PreprocessConfig.openAIStd, resizeMode: ResizeMode = .shortest,
                rgbConversion: RGBConversion = .afterResize) {
        self.size = size; self.mean = mean; self.std = std; self.resizeMode = resizeMode; self.rgbConversion = rgbConversion
    }

    public static let openAIMean: [Float] = [0.48145466, 0.4578275, 0.40821073]
    public static let openAIStd: [Float] = [0.26862954, 0.26130258, 0.27577711]
}

/// Turns decoded pixels into normalised `[3, size, size]` floats.
///
/// Order as open_clip's transform: resize (bicubic, in the image's own mode) → centre crop at
/// `round((h − size)/2)` (Python's round, half to even) → `convert("RGB")` → `/255` → mean/std; or, for a
/// transformers folder, RGB (onto white) first, as its image processors do.
public struct ImagePreprocessor: Sendable {
    public let config: PreprocessConfig

    public init(config: PreprocessConfig = PreprocessConfig()) { self.config = config }

    /// The resized and cropped RGB image, before normalisation.
    public func prepare(_ image: PixelImage) -> PixelImage {
        let image = config.rgbConversion == .firstOntoWhite ? image.compositedOnWhite() : image
        let s = config.size
        switch config.resizeMode {
        case .squash:
            return image.resizedLikePIL(width: s, height: s).convertedToRGB()
        case .shortest:
            let (w, h) = (image.width, image.height)
            let (newW, newH): (Int, Int) = w <= h
                ? (s, Int(Double(s) * Double(h) / Double(w)))
                : (Int(Double(s) * Double(w) / Double(h)), s)
            let resized = image.resizedLikePIL(width: newW, height: newH)
            let top = Int((Double(newH - s) / 2).rounded(.toNearestOrEven))
            let left = Int((Double(newW - s) / 2).rounded(.toNearestOrEven))
            return resized.cropped(left: left, top: top, width: s, height: s).convertedToRGB()
        }
    }

    /// Writes the normalised `[3, size, size]` tensor for `image` at `destination`.
    public func write(_ image: PixelImage, into destination: UnsafeMutablePointer<Float>) {
        let rgb = prepare(image)
        let plane = config.size * config.size
        for ch in 0..<3 {
            for i in 0..<plane {
                // (x/255 − mean)/std, computed as PyTorch does: divide first, then normalise.
                destination[ch * plane + i] = (Float(rgb.pixels[i * 3 + ch]) / 255 - config.mean[ch]) / config.std[ch]
            }
        }
    }

    /// One image as a `[1, 3, size, size]` tensor.
    public func tensor(_ image: PixelImage) -> Tensor {
        let t = Tensor(uninitialized: [1, 3, config.size, config.size])
        write(image, into: t.data)
        return t
    }
}
