import CLIP
import CLIPTestSupport
import CLIPTraining
import XCTest

/// The synthetic data set is the ground the held-out evaluation stands on: these check that no held-out
/// colour–shape pair leaks into training in any guise, and that pictures and captions carry what the
/// generator promises.
final class SyntheticDataTests: XCTestCase {
    /// HSV hue (degrees) and saturation, computed here independently of the generator.
    func hueAndSaturation(_ c: [Float]) -> (Float, Float) {
        let top = c.max()!, bottom = c.min()!, span = top - bottom
        guard top > 0, span > 0 else { return (0, 0) }
        var hue: Float
        if top == c[0] {
            hue = (c[1] - c[2]) / span
        } else if top == c[1] {
            hue = 2 + (c[2] - c[0]) / span
        } else {
            hue = 4 + (c[0] - c[1]) / span
        }
        hue *= 60
        return (hue < 0 ? hue + 360 : hue, span / top)
    }

    /// Over many draws with the training settings, an unnamed paint never comes within 35° of hue of a colour
    /// whose pair with that shape, or triple with that shape and position, is held out (unless it is nearly
    /// gray), and hollow shapes take the background's colour. The draws do reach up to the boundary, so the
    /// rule is what keeps them out.
    func testUnnamedPaintsNeverImitateAHeldOutPair() {
        var random = SeedStream(seed: 11)
        var painted = 0, hollow = 0, closest: Float = 360
        for _ in 0..<20_000 {
            let scene = SceneRenderer.randomScene(using: &random, unnamedPaint: SyntheticDataset.unnamedPaint)
            guard let paint = scene.paint else { continue }
            painted += 1
            let bg = scene.background.rgb
            if paint == [bg.0, bg.1, bg.2] {
                hollow += 1
                continue
            }
            let (hue, saturation) = hueAndSaturation(paint)
            if saturation < 0.2 { continue }
            for colour in SyntheticScene.Colour.allCases
            where SyntheticScene.heldOutPairs.contains("\(colour.rawValue) \(scene.shape.rawValue)")
                || SyntheticScene.heldOutTriples.contains(
                    "\(colour.rawValue) \(scene.shape.rawValue) on the \(scene.position.rawValue)")
            {
                let (r, g, b) = colour.rgb
                let apart = abs(hue - hueAndSaturation([r, g, b]).0)
                closest = min(closest, min(apart, 360 - apart))
            }
        }
        XCTAssertGreaterThanOrEqual(closest, 35, "a paint came within \(closest)° of a held-out pair's colour")
        XCTAssertLessThan(closest, 36, "paints should reach the edge of the excluded band")
        XCTAssertEqual(Double(painted) / 20_000, 0.65, accuracy: 0.02)
        XCTAssertEqual(Double(hollow) / Double(painted), 0.8, accuracy: 0.02)
    }

    /// A written training set holds no held-out pair, its captions name a shape, a colour or a position, and
    /// `heldout/labels.tsv` holds only held-out pairs.
    func testTrainingCaptionsNeverNameAHeldOutPair() throws {
        let folder = try temporaryDirectory(self)
        try SyntheticDataset.write(to: folder, trainCount: 2000, heldOutCount: 60, imageSize: 32, seed: 5)
        let captions = try CaptionedImages.load(folder.appendingPathComponent("train").path).captions
        XCTAssertEqual(captions.count, 2000)
        let shapes = SyntheticScene.Shape.allCases.map(\.rawValue),
            colours = SyntheticScene.Colour.allCases.map(\.rawValue)
        var both = 0
        for caption in captions {
            let words = caption.split(separator: " ").map(String.init)
            let colour = words.first(where: colours.contains)
            let shape = shapes.first { (s: String) -> Bool in
                words.contains(s) || words.contains(s + "s") || words.contains(s + "es")
            }
            let position = ["left", "right", "top", "bottom"].first(where: words.contains)
            XCTAssertTrue(
                colour != nil || shape != nil || position != nil,
                "caption names no colour, shape or position: \(caption)")
            if let colour, let shape {
                both += 1
                XCTAssertFalse(
                    SyntheticScene.heldOutPairs.contains("\(colour) \(shape)"), "held-out pair in training: \(caption)")
            }
        }
        // A share 1 − p of the draws are named colours (p: the unnamed paints), of whose 96 colour–shape–position
        // combinations 30 are redrawn (24 on held-out pairs, 6 held-out triples); painted draws are all kept.
        // So (1 − p)·66 / ((1 − p)·66 + p·96) of the pictures have a named colour, and 70% of their captions
        // name both words.
        let p = SyntheticDataset.unnamedPaint, named = (1 - p) * 66 / ((1 - p) * 66 + p * 96)
        XCTAssertEqual(Double(both) / 2000, 0.7 * named, accuracy: 0.035)
        let labels = try String(contentsOf: folder.appendingPathComponent("heldout/labels.tsv"), encoding: .utf8)
            .split(separator: "\n").map { String($0.split(separator: "\t")[1]) }
        XCTAssertEqual(labels.count, 60)
        XCTAssertTrue(labels.allSatisfy(SyntheticScene.heldOutPairs.contains), "\(Set(labels))")
    }

    /// The caption policy `randomMention` promises: one caption in ten names only the colour, one only the
    /// shape, one only the position; the rest name colour and shape, with position in three of four and
    /// count, size and background in one of four each. Painted scenes never name a colour.
    func testCaptionsNamePositionOftenAndAloneSometimes() {
        var random = SeedStream(seed: 21)
        let n = 40_000
        var positionOnly = 0, colourOnly = 0, shapeOnly = 0, withPosition = 0, withSize = 0, paintedColour = 0
        for _ in 0..<n {
            let scene = SceneRenderer.randomScene(using: &random, unnamedPaint: 0)
            let m = scene.randomMention(using: &random)
            if m == .position { positionOnly += 1 }
            if m.intersection([.colour, .shape, .position]) == .colour { colourOnly += 1 }
            if m.intersection([.colour, .shape, .position]) == .shape { shapeOnly += 1 }
            if m.contains(.position), m != .position { withPosition += 1 }
            if m.contains(.size) { withSize += 1 }
            var painted = scene
            painted.paint = [10, 200, 90]
            if painted.randomMention(using: &random).contains(.colour) { paintedColour += 1 }
        }
        XCTAssertEqual(Double(positionOnly) / Double(n), 0.1, accuracy: 0.01)
        // Colour alone and shape alone: 1/10 each, and then no position drawn (1/4 of the time).
        XCTAssertEqual(Double(colourOnly) / Double(n), 0.1 * 0.25, accuracy: 0.01)
        XCTAssertEqual(Double(shapeOnly) / Double(n), 0.1 * 0.25, accuracy: 0.01)
        XCTAssertEqual(Double(withPosition) / Double(n), 0.9 * 0.75, accuracy: 0.015)
        XCTAssertEqual(Double(withSize) / Double(n), 0.9 * 0.25, accuracy: 0.015)
        XCTAssertEqual(paintedColour, 0)
        XCTAssertEqual(
            SyntheticScene(shape: .cross, colour: .red, size: .small, position: .top, count: 2, background: .gray)
                .caption(mentioning: .position), "a shape on the top")
    }

    /// No training picture shows a held-out triple, whatever its caption names (positions are named in
    /// three of four, so captions alone would not show a leak): the scene is redrawn from each picture's own
    /// seeded stream exactly as the writer draws it. `heldout-triples/` holds only those triples, every one
    /// of them, with their classes and templates beside.
    func testHeldOutTriplesNeverAppearInTraining() throws {
        // Each triple's pair is seen in training, and so are its colour and its shape at its position.
        for triple in SyntheticScene.heldOutTriples {
            let words = triple.split(separator: " ").map(String.init)
            XCTAssertFalse(SyntheticScene.heldOutPairs.contains("\(words[0]) \(words[1])"), triple)
        }
        XCTAssertEqual(Set(SyntheticScene.heldOutTriples.map { $0.split(separator: " ")[0] }).count, 6)
        XCTAssertEqual(Set(SyntheticScene.heldOutTriples.map { $0.split(separator: " ").last! }).count, 4)

        var random = SeedStream(seed: 21)
        var drawn = 0
        for _ in 0..<20_000 {
            let scene = SceneRenderer.randomScene(using: &random, unnamedPaint: 0.5)
            guard scene.paint == nil else { continue }
            drawn += 1
            XCTAssertEqual(
                SyntheticDataset.Split.train.admits(scene),
                !SyntheticScene.heldOutPairs.contains(scene.label)
                    && !SyntheticScene.heldOutTriples.contains(scene.tripleLabel), scene.tripleLabel)
        }
        XCTAssertGreaterThan(drawn, 9_000)

        let folder = try temporaryDirectory(self)
        try SyntheticDataset.write(
            to: folder, trainCount: 50, heldOutCount: 0, heldOutTripleCount: 120, imageSize: 32, seed: 4)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("heldout").path))
        let labels = try String(
            contentsOf: folder.appendingPathComponent("heldout-triples/labels.tsv"), encoding: .utf8
        ).split(separator: "\n").map { String($0.split(separator: "\t")[1]) }
        XCTAssertEqual(labels.count, 120)
        XCTAssertEqual(Set(labels), SyntheticScene.heldOutTriples)
        let classes = try String(contentsOf: folder.appendingPathComponent("triple-classes.txt"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        XCTAssertEqual(classes.count, 96)
        XCTAssertTrue(SyntheticScene.heldOutTriples.isSubset(of: classes))
        let templates = try String(contentsOf: folder.appendingPathComponent("triple-templates.txt"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        XCTAssertEqual(templates.count, 6)
        // A template filled with a triple reads as a full training caption does.
        let scene = SyntheticScene(
            shape: .square, colour: .red, size: .small, position: .top, count: 1, background: .white)
        XCTAssertTrue(
            templates.map { $0.replacingOccurrences(of: "{}", with: scene.tripleLabel) }.contains(scene.caption),
            scene.caption)
    }

    /// A drawn shape has its fill inside and an ink outline around it: dark on white, light on black; a
    /// hollow shape shows the background inside its outline.
    func testShapesAreOutlinedInInk() {
        let renderer = SceneRenderer(size: 64)
        for (background, ink) in [(SyntheticScene.Background.white, Float(20)), (.black, 240)] {
            var scene = SyntheticScene(
                shape: .square, colour: .red, size: .large, position: .left, count: 1, background: background)
            var random = SeedStream(seed: 1)
            var image = renderer.render(scene, using: &random)
            func pixel(_ x: Int, _ y: Int) -> [Float] { (0..<3).map { Float(image.pixels[3 * (y * 64 + x) + $0]) } }
            func isInk(_ p: [Float]) -> Bool { p.allSatisfy { abs($0 - ink) < 12 } }
            // The square (half-side 0.8 r, r ≈ 14.7 ± 10%) sits near (16, 32): its outline crosses row 32.
            XCTAssertTrue((0..<32).contains { isInk(pixel($0, 32)) }, "no outline on \(background)")
            XCTAssertEqual(pixel(16, 32)[0], 220, accuracy: 8, "fill on \(background)")
            XCTAssertEqual(pixel(16, 32)[1], 30, accuracy: 8)
            let (r, g, b) = background.rgb
            scene.paint = [r, g, b]
            random = SeedStream(seed: 1)
            image = renderer.render(scene, using: &random)
            XCTAssertEqual(pixel(16, 32)[0], background.rgb.0, accuracy: 8, "hollow on \(background)")
            XCTAssertTrue(
                (0..<32).contains { isInk(pixel($0, 32)) }, "no outline around a hollow shape on \(background)")
        }
    }
}
