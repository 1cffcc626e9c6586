import CLIP
import Foundation

/// torchvision's `RandomResizedCrop` region choice: up to 10 tries at an area fraction in `scale` and an
/// aspect ratio log-uniform in `ratio`, else the largest centred crop within the ratio bounds. The
/// region is then resized to the model's square input (bicubic, PIL-exact) by the preprocessor.
public struct RandomResizedCrop: Sendable {
    public var scale: ClosedRange<Double>
    public var ratio: ClosedRange<Double>

    /// open_clip trains with scale (0.9, 1.0).
    public init(scale: ClosedRange<Double> = 0.9...1.0, ratio: ClosedRange<Double> = (3.0 / 4)...(4.0 / 3)) {
        self.scale = scale
        self.ratio = ratio
    }

    /// The crop box (x, y, width, height) for an image of `width`×`height`.
    public func region<R: RandomNumberGenerator>(width: Int, height: Int, using random: inout R) -> (
        x: Int, y: Int, width: Int, height: Int
    ) {
        let area = Double(width * height)
        let logRatio = log(ratio.lowerBound)...log(ratio.upperBound)
        for _ in 0..<10 {
            let target = area * Double.random(in: scale, using: &random)
            let aspect = exp(Double.random(in: logRatio, using: &random))
            let w = Int((target * aspect).squareRoot().rounded()), h = Int((target / aspect).squareRoot().rounded())
            if w > 0, h > 0, w <= width, h <= height {
                return (
                    Int.random(in: 0...(width - w), using: &random), Int.random(in: 0...(height - h), using: &random),
                    w, h
                )
            }
        }
        let inRatio = Double(width) / Double(height)
        var (w, h) = (width, height)
        if inRatio < ratio.lowerBound {
            h = Int((Double(w) / ratio.lowerBound).rounded())
        } else if inRatio > ratio.upperBound {
            w = Int((Double(h) * ratio.upperBound).rounded())
        }
        return ((width - w) / 2, (height - h) / 2, w, h)
    }

    public func apply<R: RandomNumberGenerator>(_ image: PixelImage, using random: inout R) -> PixelImage {
        let box = region(width: image.width, height: image.height, using: &random)
        let c = image.mode.channels
        var pixels = [UInt8](repeating: 0, count: box.width * box.height * c)
        for y in 0..<box.height {
            let src = ((box.y + y) * image.width + box.x) * c
            pixels.replaceSubrange(
                (y * box.width * c)..<((y + 1) * box.width * c), with: image.pixels[src..<(src + box.width * c)])
        }
        return PixelImage(width: box.width, height: box.height, mode: image.mode, pixels: pixels)
    }
}
