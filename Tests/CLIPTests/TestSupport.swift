import CLIP
import Foundation
import XCTest

enum Fixtures {
    static var root: URL { Bundle.module.url(forResource: "Fixtures", withExtension: nil)! }
    static func url(_ path: String) -> URL { root.appendingPathComponent(path) }

    static func floats(_ path: String) throws -> Tensor { try NPY.read(url(path)).tensor(file: path) }

    static func tokens(_ path: String) throws -> [[Int32]] {
        guard case let .int32(shape, values) = try NPY.read(url(path)) else { throw CLIPError.input(file: path, reason: "not int32") }
        return (0..<shape[0]).map { Array(values[($0 * shape[1])..<(($0 + 1) * shape[1])]) }
    }
}

/// A fresh temporary folder, removed when the test ends.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("clip-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// Compares two tensors element-wise and fails with the max abs difference when it exceeds `tolerance`.
func checkTensor(_ actual: Tensor, _ expected: Tensor, tolerance: Float, _ label: String,
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.shape, expected.shape, "\(label): shape", file: file, line: line)
    guard actual.shape == expected.shape else { return }
    var maxDiff: Float = 0
    for i in 0..<actual.count { maxDiff = max(maxDiff, abs(actual[i] - expected[i])) }
    if ProcessInfo.processInfo.environment["CLIP_PRINT_PARITY"] != nil { print("parity \(label): max abs diff \(maxDiff) (tolerance \(tolerance))") }
    XCTAssertLessThanOrEqual(maxDiff, tolerance, "\(label): max abs diff \(maxDiff) exceeds tolerance \(tolerance)", file: file, line: line)
}

/// Asserts that `body` throws a `CLIPError` whose message contains every fragment.
func assertCLIPError<T>(_ fragments: [String], file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> T) {
    do {
        _ = try body()
        XCTFail("expected an error containing \(fragments)", file: file, line: line)
    } catch let error as CLIPError {
        for fragment in fragments {
            XCTAssertTrue(error.description.contains(fragment), "error '\(error)' does not mention '\(fragment)'", file: file, line: line)
        }
    } catch {
        XCTFail("expected CLIPError, got \(error)", file: file, line: line)
    }
}
