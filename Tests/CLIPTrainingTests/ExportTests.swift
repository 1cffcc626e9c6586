import CLIP
import CLIPTestSupport
import CLIPTraining
import XCTest

final class ExportTests: XCTestCase {
    /// A saved model loads in SwiftCLIP's inference engine and gives the training forward's embeddings.
    func testSavedFolderLoadsInTheEngineWithTheSameEmbeddings() throws {
        let fixture = try TrainingFixture()
        let model = try fixture.model()
        _ = model.lossAndGradients(pixels: fixture.pixels, tokens: fixture.tokens, loss: .clip)
        let (image, text) = model.lastEmbeddings
        let folder = try temporaryDirectory(self)
        try model.saveHuggingFace(to: folder)
        for file in ["config.json", "model.safetensors", "preprocessor_config.json", "vocab.json", "merges.txt"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), file)
        }
        let engine = try CLIPModel.load(from: folder)
        XCTAssertEqual(engine.config, fixture.config)
        XCTAssertEqual(engine.logitScale, exp(model.logitScale), accuracy: 1e-4)
        let imageEngine = try engine.requireVision().embed(pixels: fixture.pixels)
        let n = fixture.pixels.shape[0], context = fixture.config.text.contextLength
        let rows = (0..<n).map { Array(fixture.tokens[($0 * context)..<(($0 + 1) * context)]) }
        let textEngine = try engine.requireText().embed(tokens: rows)
        XCTAssertLessThanOrEqual(zip(image, imageEngine.scalars).map { abs($0 - $1) }.max()!, 1e-5, "image embeddings")
        XCTAssertLessThanOrEqual(zip(text, textEngine.scalars).map { abs($0 - $1) }.max()!, 1e-5, "text embeddings")
    }

    /// The exported vocab.json + merges.txt tokenize exactly as the bundled vocabulary does.
    func testExportedTokenizerFilesMatchTheBundledVocabulary() throws {
        let folder = try temporaryDirectory(self)
        try BPEVocabulary.bundled().writeHuggingFaceFiles(to: folder)
        let exported = try Tokenizer.forModel(at: folder), bundled = try Tokenizer.shared()
        for text in [
            "a photo of two small red circles", "Hello, World! 123 naïve café", "three large purple crosses on the left"
        ] {
            XCTAssertEqual(exported.encode(text), bundled.encode(text), text)
        }
        let merges = try String(contentsOf: folder.appendingPathComponent("merges.txt"), encoding: .utf8).split(
            separator: "\n")
        XCTAssertEqual(merges.first, "#version: 0.2")
        XCTAssertEqual(merges.count, 48894 + 1)
    }

    /// The fp16 export keeps every value to half precision.
    func testHalfPrecisionExport() throws {
        let fixture = try TrainingFixture()
        let model = try fixture.model()
        let folder = try temporaryDirectory(self)
        try model.saveHuggingFace(to: folder, half: true)
        let file = try SafeTensorsFile(path: folder.appendingPathComponent("model.safetensors").path)
        let slot = model.layout.slot("visual_projection.weight")!
        let values = try file.floats(slot.name)
        for i in 0..<slot.count {
            XCTAssertEqual(values[i], model.parameters.data[slot.offset + i], accuracy: 2e-3 * max(1, abs(values[i])))
        }
    }
}

