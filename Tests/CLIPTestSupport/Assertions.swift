import CLIP
import Foundation
import XCTest

/// Compares two tensors element-wise and fails with the max abs difference when it exceeds `tolerance`.
/// `CLIP_PRINT_PARITY=1` prints every comparison's difference, for the note of a parity change.
public func checkTensor(
    _ actual: Tensor, _ expected: Tensor, tolerance: Float, _ label: String,
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(actual.shape, expected.shape, "\(label): shape", file: file, line: line)
    guard actual.shape == expected.shape else { return }
    var maxDiff: Float = 0
    for i in 0..<actual.count { maxDiff = max(maxDiff, abs(actual[i] - expected[i])) }
    if ProcessInfo.processInfo.environment["CLIP_PRINT_PARITY"] != nil {
        print("parity \(label): max abs diff \(maxDiff) (tolerance \(tolerance))")
    }
    XCTAssertLessThanOrEqual(
        maxDiff, tolerance, "\(label): max abs diff \(maxDiff) exceeds tolerance \(tolerance)",
        file: file, line: line)
}

/// Asserts that `body` throws a `CLIPError` whose message contains every fragment.
public func assertCLIPError<T>(
    _ fragments: [String], file: StaticString = #filePath, line: UInt = #line,
    _ body: () throws -> T
) {
    do {
        _ = try body()
        XCTFail("expected an error containing \(fragments)", file: file, line: line)
    } catch let error as CLIPError {
        for fragment in fragments {
            XCTAssertTrue(
                error.description.contains(fragment), "error '\(error)' does not mention '\(fragment)'",
                file: file, line: line)
        }
    } catch {
        XCTFail("expected CLIPError, got \(error)", file: file, line: line)
    }
}
