import CLIP
import CLIPLab
import CLIPTestSupport
import CLIPTraining
import Foundation
import XCTest

/// The lab's experiments on the bundled synthetic-shapes model and held-out pictures drawn for it: the
/// identities each must keep, the activation hook, the adversarial search (its flips re-checked from the
/// saved PNGs), and the plots as real pictures through `rsvg-convert`.
final class LabExperimentTests: XCTestCase {
    /// 0% occlusion is the clean picture (cosine 1); 100% is the same grey picture whatever the image or the
    /// mode, so its cosine to each clean embedding is the grey picture's.
    func testOcclusionEndsAreTheCleanAndTheGreyPicture() throws {
        let model = try LabFixtures.model()
        let context = try LabFixtures.context(model, images: 5, for: self)
        let output = try OcclusionExperiment.run(context)
        let clean = try model.embed(count: context.images.count) { context.images[$0].prepared }
        let s = model.inputSize
        let grey = PixelImage(
            width: s, height: s, mode: .rgb, pixels: [UInt8](repeating: Occlusion.grey, count: s * s * 3))
        for mode in Occlusion.Mode.allCases {
            XCTAssertEqual(
                Occlusion.apply(context.images[0].prepared, fraction: 1, mode: mode, patch: 4, seed: 9), grey,
                mode.rawValue)
            XCTAssertEqual(
                Occlusion.apply(context.images[0].prepared, fraction: 0, mode: mode, patch: 4, seed: 9),
                context.images[0].prepared)
        }
        let greyEmbedding = try model.embed(count: 1) { _ in grey }[0]
        let rows = try LabFixtures.csv(context, "occlusion")
        XCTAssertEqual(rows.count, 2 * 5 * OcclusionExperiment.fractions.count)
        for row in rows {
            let i = context.images.firstIndex { $0.name == row[1] }!, value = Double(row[3])!
            if row[2] == "0.00" { XCTAssertEqual(value, 1, accuracy: 1e-5, "0% occlusion") }
            if row[2] == "1.00" { XCTAssertEqual(value, cosine(greyEmbedding, clean[i]), accuracy: 1e-5, "100% grey") }
        }
        XCTAssertNotNil(output.numbers["slope_pixels"])
        XCTAssertTrue(output.summary.contains("Occlusion on 5 images"), output.summary)
        XCTAssertTrue(
            output.summary.contains("Zero-shot top-1 accuracy"), "labelled pictures give accuracy: \(output.summary)")
    }

    /// Every kind of noise at strength 0 returns the picture untouched, and so cosine 1.
    func testNoiseOfStrengthZeroIsTheIdentity() throws {
        let model = try LabFixtures.model()
        let context = try LabFixtures.context(model, images: 3, labels: false, for: self)
        for kind in Noise.allCases {
            XCTAssertEqual(
                try kind.apply(context.images[0].prepared, strength: 0, seed: 1), context.images[0].prepared,
                kind.rawValue)
            XCTAssertNotEqual(
                try kind.apply(context.images[0].prepared, strength: kind.levels.last!, seed: 1),
                context.images[0].prepared, kind.rawValue)
        }
        _ = try NoiseExperiment.run(context)
        for row in try LabFixtures.csv(context, "noise") where Double(row[1]) == 0 {
            XCTAssertEqual(Double(row[3])!, 1, accuracy: 1e-5, "\(row[0]) at strength 0")
        }
    }

    /// Each preprocessing variant is the preprocessor's own output for that setting, and does what it says
    /// (BGR swaps the channels, no normalisation is x/255, the offset crop is the exact crop moved, nearest
    /// only copies input pixels); the experiment's cosines are those of these tensors.
    func testPreprocessVariantsAreThePreprocessorsOwnOutputs() throws {
        let model = try LabFixtures.model()
        // Real photographs, larger than the input, so the filters and crops differ.
        let photos = ["rgb_224.jpg", "odd_333x217_squash.png", "wide_1000x60.png"].map {
            Fixtures.url("images/\($0)").path
        }
        let (images, _) = try LabInputs.load(photos, model: model)
        let dir = try temporaryDirectory(self)
        let context = LabContext(
            model: model, images: images, classifier: nil, seed: 0, report: try LabReport(folder: dir),
            modelName: "synthetic-shapes")
        _ = try PreprocessExperiment.run(context)
        let rows = try LabFixtures.csv(context, "preprocess")
        let base = model.preprocessor.config, s = base.size
        func tensor(_ config: PreprocessConfig, _ image: PixelImage) -> [Float] {
            ImagePreprocessor(config: config).tensor(image).scalars
        }
        for (name, config) in PreprocessExperiment.variants(of: base) {
            for (i, image) in images.enumerated() {
                let exact = try model.vision.embed(pixels: model.preprocessor.tensor(image.original)).row(0)
                let variant = try model.vision.embed(pixels: ImagePreprocessor(config: config).tensor(image.original))
                    .row(0)
                let row = try XCTUnwrap(rows.first { $0[0] == name && $0[1] == image.name }, name)
                XCTAssertEqual(Double(row[2])!, cosine(variant, exact), accuracy: 1e-5, "\(name), \(image.name)")
            }
        }
        let image = images[0].original, plane = s * s
        let rgb = model.preprocessor.prepare(image)
        var bgr = base
        bgr.channelOrder = .bgr
        var raw = base
        raw.normalize = false
        let swapped = tensor(bgr, image), unnormalised = tensor(raw, image)
        var worstSwap: Float = 0, worstRaw: Float = 0
        for c in 0..<3 {
            for i in 0..<plane {
                let b = Float(rgb.pixels[i * 3 + 2 - c]) / 255, x = Float(rgb.pixels[i * 3 + c]) / 255
                worstSwap = max(worstSwap, abs(swapped[c * plane + i] - (b - base.mean[c]) / base.std[c]))
                worstRaw = max(worstRaw, abs(unnormalised[c * plane + i] - x))
            }
        }
        XCTAssertLessThanOrEqual(worstSwap, 1e-6, "BGR: channel c reads the pixel's channel 2 − c")
        XCTAssertLessThanOrEqual(worstRaw, 1e-7, "not normalised: x / 255")
        // Offset crop, on a picture already at the input size: moved 4 px, the uncovered edge black.
        var shifted = base
        shifted.cropOffset = .init(x: 4, y: 4)
        let moved = ImagePreprocessor(config: shifted).prepare(rgb)
        for (x, y) in [(0, 0), (10, 20), (s - 5, s - 5)] {
            XCTAssertEqual(
                Array(moved.pixels[(y * s + x) * 3..<((y * s + x) * 3 + 3)]),
                Array(rgb.pixels[((y + 4) * s + x + 4) * 3..<(((y + 4) * s + x + 4) * 3 + 3)]))
        }
        XCTAssertEqual(Array(moved.pixels[((s - 1) * s + s - 1) * 3..<(s * s * 3)]), [0, 0, 0])
        for filter in [PreprocessConfig.Interpolation.bilinear, .bicubic, .nearest] {
            var other = base
            other.interpolation = filter
            XCTAssertNotEqual(
                ImagePreprocessor(config: other).prepare(image).pixels, rgb.pixels, "\(filter) resamples differently")
        }
        var nearest = base
        nearest.interpolation = .nearest
        let sampled = Set(ImagePreprocessor(config: nearest).prepare(image).pixels),
            source = Set(image.convertedToRGB().pixels)
        XCTAssertTrue(sampled.isSubset(of: source), "nearest copies input values only")
    }

    /// A labels.tsv that cannot be read is an error naming it and the line, not unlabelled pictures.
    func testAMalformedLabelsFileIsNamed() throws {
        let model = try LabFixtures.model()
        let data = try LabFixtures.heldOut(count: 2, seed: 9, for: self).appendingPathComponent("heldout")
        let tsv = data.appendingPathComponent("labels.tsv")
        try Data("images/000001.png\n".utf8).write(to: tsv)
        XCTAssertThrowsError(try LabInputs.load([data.path], model: model)) { error in
            XCTAssertTrue("\(error)".contains(tsv.path) && "\(error)".contains("line 1"), "\(error)")
        }
    }

    /// The block observer sees every block once per batch and changes nothing: embeddings are bit-identical
    /// with and without it.
    func testTheActivationHookDoesNotChangeEmbeddings() throws {
        let model = try LabFixtures.model()
        let context = try LabFixtures.context(model, images: 4, labels: false, for: self)
        let s = model.inputSize, plane = 3 * s * s
        let pixels = Tensor(uninitialized: [4, 3, s, s])
        for (i, image) in context.images.enumerated() {
            model.preprocessor.writeNormalized(image.prepared, into: pixels.data + i * plane)
        }
        let plain = try model.vision.embed(pixels: pixels)
        var seen: [Int] = []
        let observed = try model.vision.embed(pixels: pixels, normalize: true) { block in
            seen.append(block.block)
            XCTAssertEqual(block.rows, 4 * block.tokensPerImage)
        }
        XCTAssertEqual(plain.scalars, observed.scalars)
        XCTAssertEqual(seen, [0, 1, 2, 3])
        let output = try ActivationsExperiment.run(context)
        XCTAssertEqual(output.plots.count, 2)
        let rows = try LabFixtures.csv(context, "activations")
        XCTAssertEqual(rows.count, 4 * ActivationsExperiment.steps.count * 4)
        XCTAssertTrue(rows.allSatisfy { (0...1).contains(Double($0[3])!) && Double($0[4])! > 0 })
    }

    /// The k-pixel attack on 20 held-out pictures: at least 80% flip within the budget, and every flip holds
    /// when the saved adversarial PNG is decoded and embedded through the normal fp32 path here again.
    func testKPixelAttackFlipsHeldOutPicturesAndTheSavedFilesReproduceIt() throws {
        let model = try LabFixtures.model()
        let context = try LabFixtures.context(model, images: 20, seed: 3, for: self)
        let budget = 100
        let output = try AdversarialExperiment.run(context, mode: .kPixel, budget: budget)
        let rows = try LabFixtures.csv(context, "adversarial")
        XCTAssertEqual(rows.count, 20)
        let classifier = try XCTUnwrap(context.classifier)
        var confirmed = 0
        for row in rows where row[6] == "1" {
            XCTAssertLessThanOrEqual(Int(row[7])!, budget, "within the budget")
            let png = context.report.folder.appendingPathComponent("adversarial/\(row[0])_adversarial.png").path
            let embedding = try model.loaded.imageEmbedder().embed(files: [png])
            let label = classifier.top(1, embedding)[0][0].label
            XCTAssertNotEqual(label, row[2], "\(row[0]): the saved picture is still '\(row[2])'")
            XCTAssertEqual(label, row[4])
            confirmed += 1
        }
        XCTAssertGreaterThanOrEqual(confirmed, 16, output.summary)
        XCTAssertEqual(output.numbers["verified"], Double(confirmed))
        // Clean, adversarial and difference pictures, at the input size.
        let first = rows[0][0]
        for suffix in ["clean", "adversarial", "difference"] {
            let image = try ImageDecoder.decode(
                file: context.report.folder.appendingPathComponent("adversarial/\(first)_\(suffix).png").path)
            XCTAssertEqual([image.width, image.height], [model.inputSize, model.inputSize], suffix)
        }
    }

    /// The L∞ mode changes no value by more than its budget.
    func testLInfinityAttackStaysWithinItsBudget() throws {
        let model = try LabFixtures.model()
        let context = try LabFixtures.context(model, images: 3, seed: 4, for: self)
        let classifier = try XCTUnwrap(context.classifier)
        let attack = try AdversarialAttack(model: model, classifier: classifier)
        var flips = 0
        for image in context.images {
            let outcome = try attack.attack(image.prepared, mode: .linf, budget: 12)
            XCTAssertLessThanOrEqual(outcome.linf, 12, "ε reaches the budget itself, not past it")
            guard outcome.flipped else { continue }
            flips += 1
            // The adversarial picture, embedded afresh, is predicted as the outcome says.
            let embedding = try model.embed(count: 1) { _ in outcome.adversarial }[0]
            let label = classifier.top(1, Tensor(shape: [1, embedding.count], values: embedding))[0][0].index
            XCTAssertEqual(label, outcome.predicted)
            XCTAssertNotEqual(label, outcome.original)
        }
        XCTAssertGreaterThanOrEqual(flips, 2, "an L∞ budget of 12 levels flips this small model's predictions")
        let one = ZeroShotClassifier(
            labels: ["only"], templates: 1, promptEmbeddings: [classifier.classEmbeddings.row(0)], logitScale: 10)
        let single = LabContext(
            model: model, images: context.images, classifier: one, seed: 0, report: context.report, modelName: "m")
        XCTAssertThrowsError(try AdversarialExperiment.run(single, mode: .kPixel, budget: 5)) {
            XCTAssertTrue("\($0)".contains("at least two labels"), "\($0)")
        }
    }
}

/// The adversarial search reads any ViT checkpoint into the training kernels: an open_clip file (fused
/// in_proj, transposed projections) gives the inference engine's embeddings, and the attack runs on it.
final class LabCheckpointTests: XCTestCase {
    func testAnOpenCLIPViTLoadsIntoTheTrainingKernelsExactly() throws {
        let folder = Fixtures.url("engine/openclip_gelu_p16")
        let loaded = try LoadedModel.load(folder)
        let trainable = try TrainableCLIP(config: loaded.model.config)
        try trainable.loadCheckpoint(from: folder.appendingPathComponent("open_clip_model.safetensors"))
        let s = loaded.model.config.image.imageSize
        var random = SeedStream(seed: 3)
        let pixels = Tensor(
            shape: [2, 3, s, s], values: (0..<(2 * 3 * s * s)).map { _ in Float.random(in: -2...2, using: &random) })
        let training = try trainable.imageEmbeddings(pixels: pixels)
        let inference = try loaded.model.requireVision().embed(pixels: pixels).scalars
        XCTAssertLessThanOrEqual(zip(training, inference).map { abs($0 - $1) }.max() ?? 1, 1e-4)
        // A SigLIP or ResNet model is refused, saying why.
        let siglip = try LoadedModel.load(Fixtures.url("engine/hf_siglip_tiny"))
        let model = try LabModel(siglip)
        let classifier = ZeroShotClassifier(
            labels: ["a", "b"], templates: 1,
            promptEmbeddings: [[Float](repeating: 0.1, count: 48), [Float](repeating: -0.1, count: 48)],
            logitScale: 10)
        XCTAssertThrowsError(try AdversarialAttack(model: model, classifier: classifier)) { error in
            XCTAssertTrue("\(error)".contains("ViT image towers"), "\(error)")
        }
    }
}

/// The plots are pictures: each SVG an experiment writes renders through `rsvg-convert` (which `.ci/run`
/// installs) to a PNG of the SVG's size that is not blank; `index.html` shows every plot of the run.
final class LabPlotTests: XCTestCase {
    func testEveryPlotRendersToANonBlankPNG() throws {
        guard let rasterizer = LabReport.findRasterizer() else {
            // scripts/test.sh (and so CI) installs it and sets CLIP_REQUIRE_RSVG: there the check must run.
            if ProcessInfo.processInfo.environment["CLIP_REQUIRE_RSVG"] == "1" {
                return XCTFail("rsvg-convert is not on the PATH")
            }
            throw XCTSkip("rsvg-convert is not installed (Debian: librsvg2-bin; scripts/install-deps.sh installs it)")
        }
        let model = try LabFixtures.model()
        let context = try LabFixtures.context(model, images: 4, seed: 5, for: self)
        XCTAssertEqual(context.report.rasterizer, rasterizer)
        var outputs = [
            try OcclusionExperiment.run(context), try NoiseExperiment.run(context),
            try ActivationsExperiment.run(context),
            try AdversarialExperiment.run(context, mode: .kPixel, budget: 50)
        ]
        let photos = Fixtures.url("images/rgb_224.jpg").path
        let (images, _) = try LabInputs.load([photos], model: model)
        outputs.append(
            try PreprocessExperiment.run(
                LabContext(
                    model: model, images: images, classifier: nil, seed: 0, report: context.report,
                    modelName: "synthetic-shapes")))
        for output in outputs { try context.report.record(output) }
        let plots = outputs.flatMap(\.plots)
        XCTAssertEqual(plots.count, 6)
        let index = try String(contentsOf: context.report.folder.appendingPathComponent("index.html"), encoding: .utf8)
        for plot in plots {
            XCTAssertTrue(index.contains("src=\"\(plot)\""), plot)
            let svg = try String(contentsOf: context.report.folder.appendingPathComponent(plot), encoding: .utf8)
            func attribute(_ name: String) -> Int? {
                guard let r = svg.range(of: "\(name)=\""), let end = svg[r.upperBound...].firstIndex(of: "\"") else {
                    return nil
                }
                return Double(svg[r.upperBound..<end]).map { Int($0.rounded()) }
            }
            let png = context.report.folder.appendingPathComponent(plot.replacingOccurrences(of: ".svg", with: ".png"))
            let image = try ImageDecoder.decode(file: png.path)
            XCTAssertEqual(image.width, try XCTUnwrap(attribute("width")), plot)
            XCTAssertEqual(image.height, try XCTUnwrap(attribute("height")), plot)
            let rgb = image.convertedToRGB().pixels
            let inked = stride(from: 0, to: rgb.count, by: 3).filter {
                rgb[$0] < 200 || rgb[$0 + 1] < 200 || rgb[$0 + 2] < 200
            }.count
            XCTAssertGreaterThan(Double(inked) / Double(image.width * image.height), 0.01, "\(plot) is blank")
            XCTAssertGreaterThan(Set(rgb).count, 20, "\(plot) has colours, not just ink")
        }
    }
}
