import CLIP
import XCTest

/// `Precision` (what a user asks for, `auto` included) against `WeightFormat` (what a weight runs in): each
/// format is asked for by exactly one precision and back, `auto` names none, and every table runs fp32.
final class WeightFormatTests: XCTestCase {
    func testEachFormatIsOnePrecisionAndAutoIsNone() {
        XCTAssertEqual(WeightFormat.allCases.map(\.precision), [.fp32, .bf16, .int8])
        XCTAssertEqual(WeightFormat.allCases.map(\.precision).map(\.format), WeightFormat.allCases)
        XCTAssertNil(Precision.auto.format)
        XCTAssertEqual(WeightFormat.allCases.map(\.rawValue), ["fp32", "bf16", "int8"])
    }

    func testATableRunsFP32AndAutoWhateverItHas() {
        for table in [KernelTable(features: []), KernelTable(features: [.avx2]), .reference, .current] {
            XCTAssertTrue(table.has(.fp32))
            XCTAssertTrue(table.supports(.auto))
            for format in WeightFormat.allCases {
                XCTAssertEqual(table.supports(format.precision), table.has(format), "\(format)")
            }
        }
    }
}
