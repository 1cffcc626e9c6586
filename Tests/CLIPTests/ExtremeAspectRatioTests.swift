import CLIP
import CLIPTestSupport
import Foundation
import XCTest

/// Strips (a 201-byte PNG of 1,000,000 × 1 pixels) once resized to 224,000,000 × 224 before the crop, 12.8 GB.
/// Preprocessing now resizes only the window the centre crop keeps: the same pixels, at a cost bounded by the
/// input and the model's size.
final class ExtremeAspectRatioTests: XCTestCase {
    static func strip(width: Int, height: Int, mode: PixelImage.Mode, seed: Int = 1) -> PixelImage {
        let count = width * height * mode.channels
        return PixelImage(
            width: width, height: height, mode: mode,
            pixels: (0..<count).map { UInt8(truncatingIfNeeded: ($0 &* 2654435761 &+ seed) >> 7) })
    }

    /// The windowed resize against the whole resize cropped, on shapes where the whole one is affordable:
    /// every mode (bicubic, premultiplied alpha, palette nearest), both pass orders, and both axes.
    func testTheCroppedWindowIsThePixelsOfTheWholeResize() {
        // Offsets move the crop (the lab's variants), past the edge or wholly outside it (PIL fills black).
        for offset in [
            PreprocessConfig.Offset(x: 0, y: 0), .init(x: 5, y: -7), .init(x: -40, y: 3), .init(x: 0, y: 5000)
        ] {
            var config = PreprocessConfig(size: 32)
            config.cropOffset = offset
            let preprocessor = ImagePreprocessor(config: config)
            for (w, h) in [(3000, 2), (2, 3000), (301, 97), (97, 301), (40, 32), (32, 32), (33, 5000)] {
                for mode in [PixelImage.Mode.rgb, .rgba, .palette, .gray, .grayAlpha, .cmyk] {
                    let image = Self.strip(width: w, height: h, mode: mode)
                    let s = 32
                    let (newW, newH) =
                        w <= h
                        ? (s, Int(Double(s) * Double(h) / Double(w))) : (Int(Double(s) * Double(w) / Double(h)), s)
                    let top = Int((Double(newH - s) / 2).rounded(.toNearestOrEven)) + offset.y
                    let left = Int((Double(newW - s) / 2).rounded(.toNearestOrEven)) + offset.x
                    let whole = crop(image.resizedLikePIL(width: newW, height: newH), left: left, top: top, size: s)
                        .convertedToRGB()
                    XCTAssertEqual(preprocessor.prepare(image), whole, "\(w)×\(h) \(mode) offset \(offset)")
                }
            }
        }
    }

    /// A `size` square from (`left`, `top`), black where it reaches past the image, as PIL's crop.
    func crop(_ image: PixelImage, left: Int, top: Int, size: Int) -> PixelImage {
        let c = image.mode.channels
        var pixels = [UInt8](repeating: 0, count: size * size * c)
        for y in 0..<size where (0..<image.height).contains(top + y) {
            for x in 0..<size where (0..<image.width).contains(left + x) {
                for k in 0..<c {
                    pixels[(y * size + x) * c + k] = image.pixels[((top + y) * image.width + left + x) * c + k]
                }
            }
        }
        return PixelImage(width: size, height: size, mode: image.mode, pixels: pixels)
    }
}

extension CLITests {
    /// The strips of the report through `clip preprocess` (the real decoder and preprocessing), each in a
    /// process of its own limited to 1 GiB of address space: the old resize asked for 4.5 GB at once for the
    /// 1,000,000 × 1 one. Each gives a 224-pixel tensor.
    func testStripsOfAMillionPixelsPrepareWithinOneGigabyte() throws {
        let dir = try temporaryDirectory(self)
        for (w, h, mode) in [
            (1_000_000, 1, PixelImage.Mode.rgb), (1, 1_000_000, .rgb), (100_000, 1, .rgba), (1_000_000, 2, .gray)
        ] {
            let png = dir.appendingPathComponent("\(w)x\(h).png"), out = dir.appendingPathComponent("\(w)x\(h).npy")
            try PNGEncoder.encode(ExtremeAspectRatioTests.strip(width: w, height: h, mode: mode)).write(to: png)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = [
                "-c", "ulimit -v 1048576; exec \"$0\" preprocess \"$1\" -o \"$2\"", clip.path, png.path, out.path
            ]
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, "\(w)×\(h) \(mode) within 1 GiB")
            XCTAssertEqual(try NPY.read(out).shape, [3, 224, 224], "\(w)×\(h)")
        }
    }
}
