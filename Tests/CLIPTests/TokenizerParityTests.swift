import CLIP
import Foundation
import XCTest

/// Token ids against open_clip's `SimpleTokenizer` on 2,100 strings (tools/make_tokenizer_fixtures.py):
/// templates, Unicode scripts, emoji ZWJ sequences, HTML entities, contractions, numbers, punctuation
/// runs, whitespace variants, control characters and texts long enough to truncate. Every one must match.
final class TokenizerParityTests: XCTestCase {
    struct Case: Decodable { let text: String; let ids: [Int32] }

    func testEveryFixtureStringMatchesOpenCLIP() throws {
        let lines = try String(contentsOf: Fixtures.url("tokenizer/cases.jsonl"), encoding: .utf8).split(separator: "\n")
        let cases = try lines.map { try JSONDecoder().decode(Case.self, from: Data($0.utf8)) }
        XCTAssertGreaterThanOrEqual(cases.count, 2000)
        let tokenizer = try Tokenizer.shared()
        var mismatches: [String] = []
        for c in cases {
            var ids = tokenizer.encode(c.text).ids
            while ids.last == 0 { ids.removeLast() }
            if ids != c.ids { mismatches.append("\(c.text.debugDescription): got \(ids) expected \(c.ids)") }
        }
        XCTAssertEqual(mismatches.count, 0, "\(mismatches.count) of \(cases.count) differ; first: \(mismatches.prefix(20).joined(separator: "\n"))")
    }

    func testTruncationKeepsEOTAndReportsIt() throws {
        let tokenizer = try Tokenizer.shared()
        let long = tokenizer.encode(String(repeating: "dog ", count: 100))
        XCTAssertTrue(long.truncated)
        XCTAssertEqual(long.ids.count, 77)
        XCTAssertEqual(long.ids.first, Tokenizer.startOfText)
        XCTAssertEqual(long.ids.last, Tokenizer.endOfText)
        let exact = tokenizer.encode(String(repeating: "dog ", count: 75))
        XCTAssertFalse(exact.truncated, "75 words + SOT + EOT fill the context exactly")
        XCTAssertTrue(tokenizer.encode(String(repeating: "dog ", count: 76)).truncated)
    }

    func testKnownIDs() throws {
        // "a photo of a dog" in the CLIP vocabulary.
        XCTAssertEqual(Array(try Tokenizer.shared().encode("a photo of a dog").ids.prefix(8)), [49406, 320, 1125, 539, 320, 1929, 49407, 0])
    }
}
