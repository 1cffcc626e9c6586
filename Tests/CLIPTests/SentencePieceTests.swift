import CLIP
import CLIPTestSupport
import Foundation
import XCTest

/// SentencePiece Unigram and SigLIP's tokenizer against the `sentencepiece` package and transformers'
/// `SiglipTokenizer` (tools/make_sentencepiece_fixtures.py): a model trained with `nmt_nfkc` (so its
/// precompiled charsmap is exercised: full width, ligatures, circled digits, control characters, NBSP and
/// ideographic spaces), unknown characters and runs of them, and 2,100 strings. Every id identical.
final class SentencePieceTests: XCTestCase {
    struct Case: Decodable {
        let text: String
        let spm: [Int]
        let siglip: [Int]
    }

    struct Header: Decodable {
        let pad_id: Int
        let eos_id: Int
        let length: Int
    }

    func fixtures() throws -> (SentencePieceTokenizer, Header, [Case]) {
        let folder = Fixtures.url("sentencepiece")
        let tokenizer = try SentencePieceTokenizer(contentsOf: folder.appendingPathComponent("spiece.model"))
        let lines = try String(contentsOf: folder.appendingPathComponent("cases.jsonl"), encoding: .utf8).split(
            separator: "\n")
        let header = try JSONDecoder().decode(Header.self, from: Data(lines[0].utf8))
        let cases = try lines.dropFirst().map { try JSONDecoder().decode(Case.self, from: Data($0.utf8)) }
        return (tokenizer, header, cases)
    }

    func testUnigramIDsMatchSentencePiece() throws {
        let (tokenizer, _, cases) = try fixtures()
        XCTAssertGreaterThanOrEqual(cases.count, 2000)
        XCTAssertEqual(tokenizer.model.algorithm, .unigram)
        XCTAssertFalse(tokenizer.model.normalizer.precompiledCharsmap.isEmpty, "nmt_nfkc has a charsmap")
        var wrong = 0
        for c in cases where tokenizer.encode(c.text) != c.spm {
            wrong += 1
            if wrong <= 5 { XCTFail("\(c.text.debugDescription): \(tokenizer.encode(c.text)) != \(c.spm)") }
        }
        XCTAssertEqual(wrong, 0, "of \(cases.count)")
    }

    func testSiglipIDsMatchTransformers() throws {
        let (tokenizer, header, cases) = try fixtures()
        XCTAssertEqual(header.pad_id, header.eos_id, "SigLIP pads with </s>")
        let siglip = SiglipTokenizer(sentencePiece: tokenizer, length: header.length)
        var wrong = 0
        for c in cases {
            let expected = c.siglip + [Int](repeating: header.pad_id, count: header.length - c.siglip.count)
            let got = siglip.encode(c.text).map(Int.init)
            if got != expected {
                wrong += 1
                if wrong <= 5 { XCTFail("\(c.text.debugDescription): \(got) != \(expected)") }
            }
        }
        XCTAssertEqual(wrong, 0, "of \(cases.count)")
    }

    func testAMalformedModelNamesTheFileAndField() throws {
        let dir = try temporaryDirectory(self)
        let bad = dir.appendingPathComponent("spiece.model")
        try Data([0x0A, 0x05, 0x0A, 0x01]).write(to: bad)  // a piece whose length runs past the end
        assertCLIPError([bad.path, "runs past the end"]) { try SentencePieceTokenizer(contentsOf: bad) }
        try Data().write(to: bad)
        assertCLIPError([bad.path, "pieces", "no pieces"]) { try SentencePieceTokenizer(contentsOf: bad) }
        var bytes = [UInt8](try Data(contentsOf: Fixtures.url("sentencepiece/spiece.model")))
        bytes += [0x12, 0x02, 0x18, 0x07]  // trainer_spec { model_type: 7 }
        try Data(bytes).write(to: bad)
        assertCLIPError([bad.path, "trainer_spec", "model_type"]) { try SentencePieceTokenizer(contentsOf: bad) }
    }
}
