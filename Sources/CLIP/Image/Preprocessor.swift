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

    /// The resampling filter. Every model's reference uses Pillow's antialiased bicubic; the others are
    /// there for measuring what a different pipeline does to the embedding (`clip lab preprocess`).
    public enum Interpolation: String, Sendable, CaseIterable {
        /// Pillow's `BICUBIC` (its support widened when downscaling: antialiased).
        case pillowBicubic = "pillow-bicubic"
        /// Fixed-support filters without antialiasing, as `torch.nn.functional.interpolate(antialias=False)`
        /// samples (`align_corners=False`; bicubic with a = −0.75; nearest takes `floor(x · in/out)`).
        case bicubic, bilinear, nearest
    }

    public enum ChannelOrder: String, Sendable { case rgb, bgr }

    /// Pixels right (`x`) and down (`y`).
    public struct Offset: Sendable, Equatable {
        public var x: Int, y: Int
        public init(x: Int, y: Int) {
            self.x = x
            self.y = y
        }
        public static let zero = Offset(x: 0, y: 0)
    }

    public var size: Int
    public var mean: [Float]
    public var std: [Float]
    public var resizeMode: ResizeMode
    public var rgbConversion: RGBConversion
    public var interpolation: Interpolation = .pillowBicubic
    /// Pixels the crop is moved right and down from the centre (a crop "off by a few pixels").
    public var cropOffset = Offset.zero
    public var channelOrder: ChannelOrder = .rgb
    /// false: `x / 255` without the mean and std.
    public var normalize = true

    public init(
        size: Int = 224, mean: [Float] = PreprocessConfig.openAIMean, std: [Float] = PreprocessConfig.openAIStd,
        resizeMode: ResizeMode = .shortest,
        rgbConversion: RGBConversion = .afterResize
    ) {
        self.size = size
        self.mean = mean
        self.std = std
        self.resizeMode = resizeMode
        self.rgbConversion = rgbConversion
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
        let s = config.size, dx = config.cropOffset.x, dy = config.cropOffset.y
        switch config.resizeMode {
        case .squash where dx == 0 && dy == 0:
            return resize(image, width: s, height: s).convertedToRGB()
        case .squash:
            // Moved off: the squashed square cropped `offset` away, the uncovered edge black as PIL fills it.
            return resize(image, width: s, height: s).cropped(left: dx, top: dy, width: s, height: s).convertedToRGB()
        case .shortest:
            let (w, h) = (image.width, image.height)
            let (newW, newH): (Int, Int) =
                w <= h
                ? (s, Int(Double(s) * Double(h) / Double(w)))
                : (Int(Double(s) * Double(w) / Double(h)), s)
            // An offset crop may reach past the edge: PIL fills that with black.
            let top = Int((Double(newH - s) / 2).rounded(.toNearestOrEven)) + dy
            let left = Int((Double(newW - s) / 2).rounded(.toNearestOrEven)) + dx
            // Only the pixels the crop keeps are resized: the same pixels as resizing whole and cropping,
            // at a cost bounded by the input and the model's size whatever the aspect ratio (a 1,000,000 × 1
            // strip would otherwise resize to 224,000,000 × 224).
            let window = Resample.Window.clamped(left: left, top: top, size: s, width: newW, height: newH)
            let kept = resize(image, width: newW, height: newH, window: window)
            return kept.cropped(
                left: left - window.columns.lowerBound, top: top - window.rows.lowerBound, width: s, height: s
            ).convertedToRGB()
        }
    }

    private func resize(_ image: PixelImage, width: Int, height: Int, window: Resample.Window? = nil) -> PixelImage {
        let window = window ?? Resample.Window(columns: 0..<width, rows: 0..<height)
        return config.interpolation == .pillowBicubic
            ? image.resizedLikePIL(width: width, height: height, window: window)
            : FixedSupportResize.resize(
                image.convertedToRGB(), width: width, height: height, config.interpolation, window: window)
    }

    /// Writes the normalised `[3, size, size]` tensor for `image` at `destination`.
    public func write(_ image: PixelImage, into destination: UnsafeMutablePointer<Float>) {
        writeNormalized(prepare(image), into: destination)
    }

    /// Writes the tensor of an image already at the input size (what `prepare` returns, or a perturbed copy
    /// of it): `(x/255 − mean)/std` per channel, in the configured channel order.
    public func writeNormalized(_ rgb: PixelImage, into destination: UnsafeMutablePointer<Float>) {
        precondition(
            rgb.mode == .rgb && rgb.width == config.size && rgb.height == config.size,
            "writeNormalized takes the prepared RGB image")
        let plane = config.size * config.size
        for ch in 0..<3 {
            let source = config.channelOrder == .rgb ? ch : 2 - ch
            let mean = config.normalize ? config.mean[ch] : 0, std = config.normalize ? config.std[ch] : 1
            for i in 0..<plane {
                // (x/255 − mean)/std, computed as PyTorch does: divide first, then normalise.
                destination[ch * plane + i] = (Float(rgb.pixels[i * 3 + source]) / 255 - mean) / std
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
