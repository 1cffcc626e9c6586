import CLIP
import CLIPTraining
import XCTest

/// The image tower's position embeddings start from a 2-D sine–cosine table (see `ParameterInitializer`):
/// without it the trained model never learnt where things are.
final class InitializationTests: XCTestCase {
    func testImagePositionsStartFromARowAndColumnTable() throws {
        let model = try TrainableCLIP(config: TrainerTests.config, seed: 4)
        let slot = try XCTUnwrap(model.layout.slot("vision_model.embeddings.position_embedding.weight"))
        let grid = 32 / 8, width = 32, half = width / 2
        XCTAssertEqual(slot.shape, [grid * grid + 1, width])
        let table = Array(UnsafeBufferPointer(start: model.parameters.data + slot.offset, count: slot.count))
        func row(_ r: Int, _ c: Int) -> ArraySlice<Float> { table[((1 + r * grid + c) * width)...].prefix(width) }
        XCTAssertEqual(Array(table.prefix(width)), [Float](repeating: 0, count: width), "class token row")
        for r in 0..<grid {
            for c in 0..<grid {
                // The first half codes the row alone, the second the column alone, the same for every patch.
                XCTAssertEqual(Array(row(r, c).prefix(half)), Array(row(r, 0).prefix(half)))
                XCTAssertEqual(Array(row(r, c).suffix(half)), Array(row(0, c).suffix(half)))
            }
        }
        // Patch (0, 0): sines of 0 and cosines of 0, times the scale.
        let origin = Array(row(0, 0)), quarter = width / 4
        XCTAssertEqual(origin[0..<quarter].map { abs($0) }.max(), 0)
        XCTAssertEqual(Set(origin[quarter..<half]), [0.25])
        // Row 1, first frequency (10000^0 = 1): sin 1.
        XCTAssertEqual(row(1, 0).first!, 0.25 * Float(sin(1.0)), accuracy: 1e-6)
        XCTAssertNotEqual(Array(row(1, 0).prefix(half)), Array(row(2, 0).prefix(half)))
        // The text tower's positions stay random: N(0, 0.02).
        let text = try XCTUnwrap(model.layout.slot("text_model.embeddings.position_embedding.weight"))
        let values = UnsafeBufferPointer(start: model.parameters.data + text.offset, count: text.count)
        let std = (values.reduce(0) { $0 + $1 * $1 } / Float(values.count)).squareRoot()
        XCTAssertEqual(std, 0.02, accuracy: 0.003)
    }
}
