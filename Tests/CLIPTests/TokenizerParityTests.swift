import CLIP
import CLIPTestSupport
import Foundation
import XCTest

/// Token ids against open_clip's `SimpleTokenizer` on 2,100 strings (tools/make_tokenizer_fixtures.py):
/// templates, Unicode scripts, emoji ZWJ sequences, HTML entities, contractions, numbers, punctuation
/// runs, whitespace variants, control characters and texts long enough to truncate. Every one must match.
final class TokenizerParityTests: XCTestCase {
    struct Case: Decodable {
        let text: String
        let ids: [Int32]
    }

    func testEveryFixtureStringMatchesOpenCLIP() throws {
        let lines = try String(contentsOf: Fixtures.url("tokenizer/cases.jsonl"), encoding: .utf8).split(
            separator: "\n")
        let cases = try lines.map { try JSONDecoder().decode(Case.self, from: Data($0.utf8)) }
        XCTAssertGreaterThanOrEqual(cases.count, 2000)
        let tokenizer = try Tokenizer.shared()
        var mismatches: [String] = []
        for c in cases {
            var ids = tokenizer.encode(c.text).ids
            while ids.last == 0 { ids.removeLast() }
            if ids != c.ids { mismatches.append("\(c.text.debugDescription): got \(ids) expected \(c.ids)") }
        }
        XCTAssertEqual(
            mismatches.count, 0,
            "\(mismatches.count) of \(cases.count) differ; first: \(mismatches.prefix(20).joined(separator: "\n"))")
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
        XCTAssertEqual(
            Array(try Tokenizer.shared().encode("a photo of a dog").ids.prefix(8)),
            [49406, 320, 1125, 539, 320, 1929, 49407, 0])
    }

    func testHuggingFaceVocabularyFilesGiveTheSameIds() throws {
        // A model folder with vocab.json + merges.txt (tools/make_hf_tokenizer_fixture.py) uses its own files.
        let hf = try Tokenizer.forModel(at: Fixtures.url("tokenizer/hf"))
        let bundled = try Tokenizer.shared()
        let lines = try String(contentsOf: Fixtures.url("tokenizer/cases.jsonl"), encoding: .utf8).split(
            separator: "\n")
        let cases = try lines.prefix(600).map { try JSONDecoder().decode(Case.self, from: Data($0.utf8)) }
        for c in cases { XCTAssertEqual(hf.encode(c.text), bundled.encode(c.text), c.text) }
    }

    func testCorruptVocabularyFilesAreNamed() throws {
        let dir = try temporaryDirectory(self)
        try Data("[1, 2]".utf8).write(to: dir.appendingPathComponent("vocab.json"))
        try Data("#version: 0.2\na b\n".utf8).write(to: dir.appendingPathComponent("merges.txt"))
        assertCLIPError(["vocab.json", "not a JSON object"]) { try Tokenizer.forModel(at: dir) }
        try Data(#"{"a": 0, "b": 1}"#.utf8).write(to: dir.appendingPathComponent("vocab.json"))
        assertCLIPError(["merges.txt", "merge 1 ('a b')", "missing from the vocabulary"]) {
            try Tokenizer.forModel(at: dir)
        }
    }
}
