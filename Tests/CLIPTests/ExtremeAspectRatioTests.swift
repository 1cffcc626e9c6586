import CLIP
import Foundation
import XCTest

/// Strips (a 201-byte PNG of 1,000,000 × 1 pixels) once resized to 224,000,000 × 224 before the crop, 12.8 GB.
/// Preprocessing now resizes only the window the centre crop keeps: the same pixels, at a cost bounded by the
/// input and the model's size.
final class ExtremeAspectRatioTests: XCTestCase {
    func strip(width: Int, height: Int, mode: PixelImage.Mode, seed: Int = 1) -> PixelImage {
        let count = width * height * mode.channels
        return PixelImage(width: width, height: height, mode: mode, pixels: (0..<count).map { UInt8(truncatingIfNeeded: ($0 &* 2654435761 &+ seed) >> 7) })
    }

    /// The windowed resize against the whole resize cropped, on shapes where the whole one is affordable:
    /// every mode (bicubic, premultiplied alpha, palette nearest), both pass orders, and both axes.
    func testTheCroppedWindowIsThePixelsOfTheWholeResize() {
        let preprocessor = ImagePreprocessor(config: PreprocessConfig(size: 32))
        for (w, h) in [(3000, 2), (2, 3000), (301, 97), (97, 301), (40, 32), (32, 32), (33, 5000)] {
            for mode in [PixelImage.Mode.rgb, .rgba, .palette, .gray, .grayAlpha] {
                let image = strip(width: w, height: h, mode: mode)
                let s = 32
                let (newW, newH) = w <= h ? (s, Int(Double(s) * Double(h) / Double(w))) : (Int(Double(s) * Double(w) / Double(h)), s)
                let top = Int((Double(newH - s) / 2).rounded(.toNearestOrEven)), left = Int((Double(newW - s) / 2).rounded(.toNearestOrEven))
                let whole = crop(image.resizedLikePIL(width: newW, height: newH), left: left, top: top, size: s).convertedToRGB()
                XCTAssertEqual(preprocessor.prepare(image), whole, "\(w)×\(h) \(mode)")
            }
        }
    }

    /// The strips of the report, through the real decoder: each gives a 224-pixel RGB image, and the whole
    /// run's peak resident memory grows by far less than the old intermediate of even the smallest (1.4 GB).
    func testStripsOfAMillionPixelsPrepareWithinABoundedCost() throws {
        let preprocessor = ImagePreprocessor(config: PreprocessConfig())
        let before = peakResidentBytes()
        for (w, h, mode) in [(1_000_000, 1, PixelImage.Mode.rgb), (1, 1_000_000, .rgb), (100_000, 1, .rgba), (1, 100_000, .palette), (1_000_000, 2, .gray)] {
            let png = try PNGEncoder.encode(strip(width: w, height: h, mode: mode == .palette ? .rgb : mode))
            var image = try ImageDecoder.decode(png, name: "\(w)x\(h).png")
            if mode == .palette { image.mode = .palette }
            let prepared = preprocessor.prepare(image)
            XCTAssertEqual([prepared.width, prepared.height], [224, 224])
            XCTAssertEqual(prepared.mode, .rgb)
        }
        let grown = peakResidentBytes() - before
        XCTAssertLessThan(grown, 256 << 20, "peak RSS grew by \(grown >> 20) MB preparing the strips")
    }

    /// A `size` square from (`left`, `top`), inside the image.
    func crop(_ image: PixelImage, left: Int, top: Int, size: Int) -> PixelImage {
        let c = image.mode.channels
        var pixels: [UInt8] = []
        for y in top..<(top + size) { pixels += image.pixels[((y * image.width + left) * c)..<((y * image.width + left + size) * c)] }
        return PixelImage(width: size, height: size, mode: image.mode, pixels: pixels)
    }

    func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }
}
