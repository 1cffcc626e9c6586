import CLIP
import CLIPTestSupport
import Foundation
import XCTest

/// Bad image files give a `CLIPError.input` naming the file and the reason, and never stop a batch.
final class ImageErrorTests: XCTestCase {
    func write(_ bytes: Data, _ name: String) throws -> String {
        let url = try temporaryDirectory(self).appendingPathComponent(name)
        try bytes.write(to: url)
        return url.path
    }

    func testZeroByteFile() throws {
        let path = try write(Data(), "empty.jpg")
        assertCLIPError([path, "empty (0 bytes)"]) { try ImageDecoder.decode(file: path) }
    }

    func testTruncatedJPEG() throws {
        let full = try Data(contentsOf: Fixtures.url("images/rgb_baseline.jpg"))
        let path = try write(full.prefix(full.count / 2), "cut.jpg")
        assertCLIPError([path, "truncated JPEG"]) { try ImageDecoder.decode(file: path) }
    }

    func testTruncatedPNG() throws {
        let full = try Data(contentsOf: Fixtures.url("images/rgb.png"))
        let path = try write(full.prefix(full.count / 2), "cut.png")
        assertCLIPError([path, "PNG"]) { try ImageDecoder.decode(file: path) }
    }

    func testBroken16BitPNG() throws {
        let full = try Data(contentsOf: Fixtures.url("images/rgba16_interlaced.png"))
        let cut = try write(full.prefix(full.count - 40), "cut16.png")
        assertCLIPError([cut, "truncated PNG"]) { try ImageDecoder.decode(file: cut) }
        var flipped = full
        flipped[full.count / 2] ^= 0x55  // inside IDAT: the chunk's CRC no longer matches
        let corrupt = try write(flipped, "crc16.png")
        assertCLIPError([corrupt, "CRC mismatch in chunk IDAT"]) { try ImageDecoder.decode(file: corrupt) }
    }

    func testTruncatedWebPGIFAndHEIC() throws {
        for name in ["lossy.webp", "animated.webp", "palette.gif", "photo.heic"] {
            let full = try Data(contentsOf: Fixtures.url("images/\(name)"))
            let path = try write(full.prefix(full.count / 2), "cut-\(name)")
            let format = name.hasSuffix("gif") ? "GIF" : (name.hasSuffix("heic") ? "HEIF" : "WebP")
            assertCLIPError([path, format]) { try ImageDecoder.decode(file: path) }
        }
    }

    func testPNGNamedJPGDecodesByContent() throws {
        let path = try write(try Data(contentsOf: Fixtures.url("images/rgb.png")), "really-a-png.jpg")
        let image = try ImageDecoder.decode(file: path)
        XCTAssertEqual([image.width, image.height], [333, 217])
    }

    func testTextFileNamedPNG() throws {
        let path = try write(Data("hello, I am text\n".utf8), "notes.png")
        assertCLIPError([path, "not a supported image"]) { try ImageDecoder.decode(file: path) }
    }

    func testPixelLimit() throws {
        let path = Fixtures.url("images/rgb.png").path
        assertCLIPError([path, "333x217", "over the 10000-pixel limit"]) {
            try ImageDecoder.decode(file: path, options: DecodeOptions(maxPixels: 10_000))
        }
    }

    func testUnreadableFiles() throws {
        let missing = try temporaryDirectory(self).appendingPathComponent("nope.jpg").path
        assertCLIPError([missing, "cannot read"]) { try ImageDecoder.decode(file: missing) }
        let directory = try temporaryDirectory(self).path
        assertCLIPError([directory, "cannot read"]) { try ImageDecoder.decode(file: directory) }
    }

    func testOnePixelImageIsUpscaled() throws {
        let image = try ImageDecoder.decode(file: Fixtures.url("images/tiny_1x1.png").path)
        let prepared = ImagePreprocessor().prepare(image)
        XCTAssertEqual([prepared.width, prepared.height], [224, 224])
        XCTAssertEqual(Array(prepared.pixels.prefix(3)), [200, 30, 90])
    }

    func testBadFilesDoNotStopABatch() throws {
        let model = try CLIPModel.load(from: Fixtures.url("engine/hf_quickgelu_p32"), towers: .vision)
        let vision = try model.requireVision()
        let bad = try write(Data("text".utf8), "bad.png")
        let good = Fixtures.url("images/rgb_baseline.jpg").path
        let embedder = ImageEmbedder(
            vision: vision, preprocessor: ImagePreprocessor(config: PreprocessConfig(size: 96)), batchSize: 2)
        let results = try embedder.embedEach(files: [good, bad, good])
        XCTAssertEqual(results.count, 3)
        guard case let .success(first) = results[0], case .failure = results[1], case let .success(third) = results[2]
        else {
            return XCTFail("expected success, failure, success; got \(results)")
        }
        XCTAssertEqual(first, third)
        assertCLIPError(["1 of 2 images could not be used", bad]) { try embedder.embed(files: [good, bad]) }
    }

    func testFastJPEGDecodesAtTheSmallestSufficientDCTScale() throws {
        let path = Fixtures.url("images/rgb_224.jpg").path  // 400×300
        // Short side ≥ 128: 3/8 gives 113 (too small), 1/2 gives 150.
        let fast = try ImageDecoder.decode(file: path, options: DecodeOptions(jpegScaledShortSide: 128))
        XCTAssertEqual([fast.width, fast.height], [200, 150])
        // Asking for more than the image has decodes at full size.
        let full = try ImageDecoder.decode(file: path, options: DecodeOptions(jpegScaledShortSide: 1000))
        XCTAssertEqual([full.width, full.height], [400, 300])
        // The prepared input stays close to the exact path.
        let preprocessor = ImagePreprocessor(config: PreprocessConfig(size: 64))
        let a = preprocessor.tensor(fast), b = preprocessor.tensor(try ImageDecoder.decode(file: path))
        var dot: Float = 0, na: Float = 0, nb: Float = 0
        for i in 0..<a.count {
            dot += a[i] * b[i]
            na += a[i] * a[i]
            nb += b[i] * b[i]
        }
        XCTAssertGreaterThan(dot / (na.squareRoot() * nb.squareRoot()), 0.995)
    }

    /// PNG writing (synthetic data, tests): a round trip is exact; a mode PNG cannot hold as given is refused
    /// by name, and an unwritable path names the path.
    func testPNGEncoderRoundTripAndRefusals() throws {
        let pixels = (0..<(5 * 3 * 3)).map { UInt8($0 * 5) }
        let url = try temporaryDirectory(self).appendingPathComponent("out.png")
        try PNGEncoder.write(PixelImage(width: 5, height: 3, mode: .rgb, pixels: pixels), to: url)
        XCTAssertEqual(try ImageDecoder.decode(file: url.path).pixels, pixels)
        XCTAssertThrowsError(
            try PNGEncoder.encode(
                PixelImage(width: 2, height: 2, mode: .cmyk, pixels: [UInt8](repeating: 0, count: 16)))
        ) { error in
            XCTAssertTrue("\(error)".contains("supports RGB, RGBA and gray"), "\(error)")
        }
        let nowhere = URL(fileURLWithPath: "/nonexistent-folder/out.png")
        XCTAssertThrowsError(
            try PNGEncoder.write(PixelImage(width: 1, height: 1, mode: .gray, pixels: [7]), to: nowhere)
        ) { error in
            XCTAssertTrue("\(error)".contains(nowhere.path) && "\(error)".contains("cannot write PNG"), "\(error)")
        }
    }
}

/// Commands that take folders (`embed`, `classify`, `rank`) walk them as the indexer does.
final class ImageFilesTests: XCTestCase {
    func testFoldersAreWalkedLikeTheIndexerWalksThem() throws {
        let dir = try temporaryDirectory(self), fm = FileManager.default
        let photos = dir.appendingPathComponent("photos"), elsewhere = dir.appendingPathComponent("elsewhere")
        for folder in [photos.appendingPathComponent("b"), photos.appendingPathComponent(".hidden"), elsewhere] {
            try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        let png = try Data(contentsOf: Fixtures.url("images/rgb.png"))
        for path in [
            "photos/a.png", "photos/b/c.JPG", "photos/.hidden/h.png", "photos/.dot.png", "photos/notes.txt",
            "elsewhere/e.png"
        ] {
            try png.write(to: dir.appendingPathComponent(path))
        }
        try fm.createSymbolicLink(
            atPath: photos.appendingPathComponent("linked").path, withDestinationPath: elsewhere.path)
        try fm.createSymbolicLink(
            atPath: photos.appendingPathComponent("b/loop").path, withDestinationPath: photos.path)
        let named = dir.appendingPathComponent("photos/notes.txt").path  // a file named explicitly is taken as given
        let files = try ImageFiles.collect([photos.path, named])
        XCTAssertEqual(
            files,
            ["a.png", "b/c.JPG", "linked/e.png"].map { photos.appendingPathComponent($0).standardizedFileURL.path } + [
                named
            ])
    }
}
