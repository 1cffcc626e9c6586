import CLIP
import CLIPTestSupport
import Foundation
import XCTest

/// Decoding + resize + crop against Pillow (tools/make_image_fixtures.py) on every mode CLIP inputs come
/// in: JPEG baseline/progressive/low quality/4:4:4/gray, PNG RGB/RGBA/L/LA/palette/palette+transparency,
/// 1×1 and 5×3, 1000×60 and 90×700, squash, EXIF orientation on and off.
/// HEIC (pillow-heif's libheif 1.23 is the reference) is compared before resizing too.
/// Tolerance: none. The resized, cropped 8-bit RGB must be identical; the normalised tensor within 1e-6.
///
/// One known deviation, bounded rather than skipped: a HEIC with alpha, an odd size and a rotation plus
/// mirror. Debian's libheif 1.15 will not hand over its 4:2:0 planes, so its own conversion runs, and after
/// the turn its chroma sits one pixel off: colour values differ by 4 levels on average; alpha is exact.
final class ImageParityTests: XCTestCase {
    static let libheifConverted = "transverse_alpha_99x77.heic"

    /// For `libheifConverted`: mean absolute difference of the colour channels, and whether alpha matches.
    func meanColourDifference(_ ours: [UInt8], _ reference: [UInt8], channels: Int) -> (Double, alphaExact: Bool) {
        var sum = 0, count = 0, alphaExact = true
        for (i, (a, b)) in zip(ours, reference).enumerated() {
            if channels == 4 && i % 4 == 3 {
                alphaExact = alphaExact && a == b
                continue
            }
            sum += abs(Int(a) - Int(b))
            count += 1
        }
        return (Double(sum) / Double(max(count, 1)), alphaExact)
    }

    struct Case: Decodable {
        let file: String
        let size: Int
        let squash: Bool
        let exif: Bool
        let mode: String
        let expected: String?
    }
    struct Manifest: Decodable {
        let pillow: String
        let cases: [Case]
    }

    func testPreparedPixelsMatchPillow() throws {
        let manifest = try JSONDecoder().decode(
            Manifest.self, from: Data(contentsOf: Fixtures.url("images/cases.json")))
        XCTAssertGreaterThanOrEqual(manifest.cases.count, 20)
        for c in manifest.cases {
            let path = Fixtures.url("images/\(c.file)").path
            let image = try ImageDecoder.decode(file: path, options: DecodeOptions(applyEXIFOrientation: c.exif))
            let prepared = ImagePreprocessor(
                config: PreprocessConfig(size: c.size, resizeMode: c.squash ? .squash : .shortest)
            ).prepare(image)
            guard
                case let .uint8(shape, expected) = try NPY.read(
                    Fixtures.url("images/\(c.expected ?? c.file + ".crop.npy")"))
            else {
                return XCTFail("\(c.file): fixture is not uint8")
            }
            XCTAssertEqual([prepared.height, prepared.width, 3], shape, c.file)
            guard prepared.pixels.count == expected.count else { continue }
            var differing = 0, maxDiff = 0
            for (a, b) in zip(prepared.pixels, expected) where a != b {
                differing += 1
                maxDiff = max(maxDiff, abs(Int(a) - Int(b)))
            }
            let message =
                """
                \(c.file) (\(c.mode), exif \(c.exif)): \(differing) of \(expected.count) values differ, max by \
                \(maxDiff)
                """
            if c.file == Self.libheifConverted {
                XCTAssertLessThanOrEqual(meanColourDifference(prepared.pixels, expected, channels: 3).0, 5, message)
            } else {
                XCTAssertEqual(differing, 0, message)
            }
        }
    }

    func testDecodedHEICMatchesPillowHeif() throws {
        for name in [
            "photo.heic", "odd_161x121.heic", "alpha.heic", "chroma444.heic", "rotated_121x81.heic",
            "rotated_120x80.heic", "mirrored_121x81.heic", "transverse_alpha_99x77.heic"
        ] {
            let image = try ImageDecoder.decode(file: Fixtures.url("images/\(name)").path)
            guard case let .uint8(shape, expected) = try NPY.read(Fixtures.url("images/\(name).decoded.npy")) else {
                return XCTFail("\(name): fixture is not uint8")
            }
            XCTAssertEqual([image.height, image.width, image.mode.channels], shape, name)
            let differing = zip(image.pixels, expected).filter { $0 != $1 }.count
            let message = "\(name): \(differing) of \(expected.count) decoded values differ from pillow-heif"
            if name == Self.libheifConverted {
                let (mean, alphaExact) = meanColourDifference(image.pixels, expected, channels: image.mode.channels)
                XCTAssertLessThanOrEqual(mean, 5, message)
                XCTAssertTrue(alphaExact, message)
            } else {
                XCTAssertEqual(differing, 0, message)
            }
        }
    }

    func testNormalisedTensorMatchesToTensorAndNormalize() throws {
        let image = try ImageDecoder.decode(file: Fixtures.url("images/rgb_224.jpg").path)
        let tensor = ImagePreprocessor().tensor(image)
        let expected = try Fixtures.floats("images/rgb_224.jpg.tensor.npy")
        checkTensor(
            Tensor(shape: [3, 224, 224], values: tensor.scalars), expected, tolerance: 1e-6, "normalised tensor")
    }
}

/// SigLIP's preprocessing against transformers' SiglipImageProcessor itself (its Pillow backend;
/// tools/make_siglip_preprocess_fixtures.py): 64 × 64 squash, no crop, mean and std 0.5, on 21 files —
/// opaque ones, and those where transformers and open_clip part (alpha, palette and colour-key
/// transparency composited onto white before a bicubic resize; 1-bit and palette images resized as RGB).
/// A folder with transformers' preprocessor_config.json gets transformers' order; an open_clip folder
/// open_clip's, which gives the same pixels wherever the fixture records them identical. Tolerance: none
/// on the 8-bit pixels, 1e-6 on the normalised tensor.
final class SiglipPreprocessingParityTests: XCTestCase {
    struct Case: Decodable {
        let file: String
        let size: Int
        let open_clip_identical: Bool
    }

    func testPixelsMatchSiglipImageProcessorAndOpenCLIPWhereTheyAgree() throws {
        let cases = try JSONDecoder().decode(
            [Case].self, from: Data(contentsOf: Fixtures.url("images/siglip_cases.json")))
        XCTAssertGreaterThanOrEqual(cases.count, 20)
        let hfFolder = try temporaryDirectory(self), openCLIPFolder = try temporaryDirectory(self)
        try Data(
            #"""
            {"image_processor_type": "SiglipImageProcessor", "do_resize": true, "size": {"height": 64, "width": \#
            64}, "resample": 3, "do_rescale": true, "rescale_factor": 0.00392156862745098, "do_normalize": true, \#
            "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5]}
            """#
            .utf8
        )
        .write(to: hfFolder.appendingPathComponent("preprocessor_config.json"))
        try Data(
            #"""
            {"model_cfg": {}, "preprocess_cfg": {"size": 64, "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5], \#
            "resize_mode": "squash"}}
            """#
            .utf8
        )
        .write(to: openCLIPFolder.appendingPathComponent("open_clip_config.json"))
        let transformers = ImagePreprocessor(
            config: try PreprocessConfig.forModel(folder: hfFolder, imageSize: 224, family: .siglip))
        let openCLIP = ImagePreprocessor(
            config: try PreprocessConfig.forModel(folder: openCLIPFolder, imageSize: 224, family: .siglip))
        XCTAssertEqual(transformers.config.rgbConversion, .firstOntoWhite)
        XCTAssertEqual(openCLIP.config.rgbConversion, .afterResize)
        var comparedOpenCLIP = 0, partedFromOpenCLIP = 0
        for c in cases {
            let image = try ImageDecoder.decode(file: Fixtures.url("images/\(c.file)").path)
            guard case let .uint8(shape, expected) = try NPY.read(Fixtures.url("images/\(c.file).siglip.npy")) else {
                return XCTFail("\(c.file): not uint8")
            }
            XCTAssertEqual(shape, [64, 64, 3], c.file)
            let prepared = transformers.prepare(image)
            let differing = zip(prepared.pixels, expected).filter { $0 != $1 }.count
            XCTAssertEqual(
                differing, 0, "\(c.file): \(differing) of \(expected.count) values differ from SiglipImageProcessor")
            let tensor = transformers.tensor(image).scalars
            var reference = [Float](repeating: 0, count: 3 * 64 * 64)
            for ch in 0..<3 {
                for i in 0..<(64 * 64) { reference[ch * 64 * 64 + i] = (Float(expected[i * 3 + ch]) / 255 - 0.5) / 0.5 }
            }
            XCTAssertLessThanOrEqual(zip(tensor, reference).map { abs($0 - $1) }.max() ?? 1, 1e-6, c.file)
            let openCLIPPixels = openCLIP.prepare(image).pixels
            if c.open_clip_identical {
                XCTAssertEqual(openCLIPPixels, expected, "\(c.file): open_clip's order gives the same pixels here")
                comparedOpenCLIP += 1
            } else if openCLIPPixels != expected {
                partedFromOpenCLIP += 1
            }
        }
        XCTAssertGreaterThanOrEqual(comparedOpenCLIP, 10)
        XCTAssertGreaterThanOrEqual(
            partedFromOpenCLIP, 8, "the two references really part on transparent and palette images")
    }
}

/// Files → embeddings against Pillow preprocessing + transformers on the tiny checkpoint
/// (tools/make_pipeline_fixture.py): cosine to the reference embedding ≥ 0.9999 for every image.
final class ImagePipelineParityTests: XCTestCase {
    func testEmbeddingsOfImageFilesMatchTheReference() throws {
        let model = try CLIPModel.load(from: Fixtures.url("engine/hf_quickgelu_p32"), towers: .vision)
        let vision = try model.requireVision()
        let files = try JSONDecoder().decode(
            [String].self, from: Data(contentsOf: Fixtures.url("images/pipeline_files.json")))
        let expected = try Fixtures.floats("images/pipeline_embeddings.npy")
        let embedder = ImageEmbedder(
            vision: vision,
            preprocessor: ImagePreprocessor(
                config: try PreprocessConfig.forModel(folder: nil, imageSize: vision.imageSize)))
        let actual = try embedder.embed(files: files.map { Fixtures.url("images/\($0)").path })
        XCTAssertEqual(actual.shape, expected.shape)
        for (i, file) in files.enumerated() {
            let a = actual.row(i), e = expected.row(i)
            let cosine = zip(a, e).map { $0 * $1 }.reduce(0, +)
            XCTAssertGreaterThanOrEqual(cosine, 0.9999, "\(file): cosine \(cosine)")
        }
    }
}

/// Pillow's bicubic resize on 60 random shapes (tools/make_resize_fixtures.py), byte for byte: covers
/// upscaling, downscaling and mixed axes, and so both of Pillow 13's pass orders.
final class ResizeParityTests: XCTestCase {
    struct Case: Decodable {
        let mode: String
        let w: Int
        let h: Int
        let W: Int
        let H: Int
        let input: String
        let output: String
    }

    func testRandomShapesMatchPillow() throws {
        let cases = try JSONDecoder().decode(
            [Case].self, from: Data(contentsOf: Fixtures.url("images/resize_cases.json")))
        XCTAssertEqual(cases.count, 60)
        for c in cases {
            let image = PixelImage(
                width: c.w, height: c.h, mode: c.mode == "L" ? .gray : .rgb,
                pixels: [UInt8](Data(base64Encoded: c.input)!))
            let resized = image.resizedLikePIL(width: c.W, height: c.H)
            XCTAssertEqual(
                resized.pixels, [UInt8](Data(base64Encoded: c.output)!), "\(c.mode) \(c.w)x\(c.h) -> \(c.W)x\(c.H)")
        }
    }
}
