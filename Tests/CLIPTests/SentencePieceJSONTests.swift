import CLIP
import CLIPTestSupport
import Foundation
import XCTest

/// Reads a fixture's header line and rows from `NAME.jsonl` and any `NAME_2.jsonl`… beside it (split to keep
/// files small; tools/make_sentencepiece_json_fixtures.py).
func jsonlFixture<Header: Decodable, Row: Decodable>(_ folder: String, _ name: String, _: Header.Type, _: Row.Type)
    throws -> (Header, [Row])
{
    let dir = Fixtures.url(folder)
    let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        .filter { $0 == name + ".jsonl" || ($0.hasPrefix(name + "_") && $0.hasSuffix(".jsonl")) }.sorted()
    var header: Header?, rows: [Row] = []
    for file in files {
        let lines = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8).split(separator: "\n")
        header = try JSONDecoder().decode(Header.self, from: Data(lines[0].utf8))
        rows += try lines.dropFirst().map { try JSONDecoder().decode(Row.self, from: Data($0.utf8)) }
    }
    return (try XCTUnwrap(header, "\(folder)/\(name).jsonl"), rows)
}

/// Counts the rows whose ids differ, failing on the first few with the text.
func countMismatches<Row>(
    _ rows: [Row], text: (Row) -> String, got: (Row) -> [Int], expected: (Row) -> [Int],
    file: StaticString = #filePath, line: UInt = #line
) -> Int {
    var wrong = 0
    for row in rows {
        let g = got(row), e = expected(row)
        if g != e {
            wrong += 1
            if wrong <= 5 { XCTFail("\(text(row).debugDescription): \(g) != \(e)", file: file, line: line) }
        }
    }
    return wrong
}

/// SentencePiece vocabularies read from `tokenizer.json` (Hugging Face tokenizers' layout) and Gemma's BPE
/// (SigLIP 2), against the references (tools/make_sentencepiece_json_fixtures.py):
/// - T5's Unigram vocabulary exported by transformers (`Precompiled` charsmap in base64, WhitespaceSplit +
///   Metaspace, `</s>` from the template), and open_clip's SigLIP tokenizer over it (`clean="canonicalize"`:
///   ftfy, HTML unescaping, `_` as a space, punctuation dropped; padded with `</s>`): 2,100 strings;
/// - a Gemma-style BPE model with byte fallback, user-defined pieces and `<pad>` = 0, through `sentencepiece`
///   (the `.model` file), GemmaTokenizerFast (its `tokenizer.json`) and open_clip's SigLIP 2 clean-up: 2,400
///   strings, 1,804 of them spelled partly in byte pieces. Every id identical.
final class SentencePieceJSONTests: XCTestCase {
    struct Header: Decodable {
        let pad_id: Int
        let eos_id: Int
        let length: Int
    }
    struct UnigramRow: Decodable {
        let text: String
        let fast: [Int]
        let openclip: [Int]
    }
    struct GemmaRow: Decodable {
        let text: String
        let spm: [Int]
        let gemma: [Int]
        let openclip: [Int]
    }

    func padded(_ ids: [Int], _ header: Header) -> [Int] {
        ids + [Int](repeating: header.pad_id, count: header.length - ids.count)
    }

    func testUnigramTokenizerJSONMatchesTokenizers() throws {
        let (_, rows) = try jsonlFixture("sentencepiece", "openclip_cases", Header.self, UnigramRow.self)
        XCTAssertGreaterThanOrEqual(rows.count, 2000)
        let hf = try HuggingFaceTokenizer(contentsOf: Fixtures.url("sentencepiece/tokenizer.json"))
        XCTAssertEqual(hf.prefixIDs, [])
        XCTAssertEqual(hf.suffixIDs, [1], "the template appends </s>")
        XCTAssertEqual(
            countMismatches(
                rows, text: \.text, got: { hf.prefixIDs + hf.encode($0.text) + hf.suffixIDs }, expected: \.fast), 0)
    }

    func testOpenCLIPSiglipTokenizerOverTokenizerJSON() throws {
        let (header, rows) = try jsonlFixture("sentencepiece", "openclip_cases", Header.self, UnigramRow.self)
        XCTAssertEqual(header.pad_id, 1, "open_clip pads SigLIP's T5 vocabulary with </s>")
        // As a SigLIP checkpoint folder in open_clip's layout holds it.
        let dir = try temporaryDirectory(self)
        for name in ["tokenizer.json", "tokenizer_config.json"] {
            try FileManager.default.copyItem(
                at: Fixtures.url("sentencepiece/\(name)"), to: dir.appendingPathComponent(name))
        }
        try Data("{}".utf8).write(to: dir.appendingPathComponent("open_clip_config.json"))
        let tokenizer = try SiglipTokenizer.forFolder(dir, length: header.length)
        XCTAssertEqual(tokenizer.cleanup, .openCLIP)
        XCTAssertEqual(tokenizer.padID, 1)
        XCTAssertEqual(
            countMismatches(
                rows, text: \.text, got: { tokenizer.encode($0.text).map(Int.init) },
                expected: { self.padded($0.openclip, header) }), 0)
    }

    func gemmaFixtures() throws -> (Header, [GemmaRow]) {
        let (header, rows) = try jsonlFixture("gemma", "cases", Header.self, GemmaRow.self)
        XCTAssertGreaterThanOrEqual(rows.count, 2000)
        return (header, rows)
    }

    func testGemmaBPEModelMatchesSentencePiece() throws {
        let (_, rows) = try gemmaFixtures()
        let sp = try SentencePieceTokenizer(contentsOf: Fixtures.url("gemma/tokenizer.model"))
        XCTAssertEqual(sp.model.algorithm, .bpe)
        XCTAssertTrue(sp.model.byteFallback)
        XCTAssertEqual(countMismatches(rows, text: \.text, got: { sp.encode($0.text) }, expected: \.spm), 0)
    }

    func testGemmaTokenizerJSONMatchesGemmaTokenizerFast() throws {
        let (header, rows) = try gemmaFixtures()
        XCTAssertEqual(header.pad_id, 0, "SigLIP 2 pads with <pad> = 0")
        let hf = try HuggingFaceTokenizer(contentsOf: Fixtures.url("gemma/tokenizer.json"))
        XCTAssertEqual(hf.suffixIDs, [1], "<eos> appended, no <bos>")
        let tokenizer = SiglipTokenizer(pieces: .huggingFace(hf), length: header.length, padID: 0, cleanup: .none)
        XCTAssertEqual(
            countMismatches(
                rows, text: \.text, got: { tokenizer.encode($0.text).map(Int.init) },
                expected: { self.padded($0.gemma, header) }), 0)
    }

    func testGemmaThroughOpenCLIPsCleanUpFromEitherFile() throws {
        let (header, rows) = try gemmaFixtures()
        for file in ["tokenizer.json", "tokenizer.model"] {
            let dir = try temporaryDirectory(self)
            try FileManager.default.copyItem(at: Fixtures.url("gemma/\(file)"), to: dir.appendingPathComponent(file))
            try Data("{}".utf8).write(to: dir.appendingPathComponent("open_clip_config.json"))
            let tokenizer = try SiglipTokenizer.forFolder(dir, length: header.length)
            XCTAssertEqual(tokenizer.padID, 0, file)
            XCTAssertEqual(tokenizer.cleanup, .openCLIP, file)
            // The one place the two files part (the references do too): a literal `▁` run in the text is an
            // added token to tokenizers before spaces are escaped, while sentencepiece escapes first.
            let compared = file == "tokenizer.json" ? rows : rows.filter { !$0.text.contains("\u{2581}") }
            XCTAssertLessThan(rows.count - compared.count, 5, "only the few rows with a literal ▁ are left out")
            XCTAssertEqual(
                countMismatches(
                    compared, text: \.text, got: { tokenizer.encode($0.text).map(Int.init) },
                    expected: { self.padded($0.openclip, header) }), 0, file)
        }
    }

    /// A malformed tokenizer.json names the file and the field.
    func testMalformedTokenizerJSONNamesTheFileAndField() throws {
        let dir = try temporaryDirectory(self)
        let file = dir.appendingPathComponent("tokenizer.json")
        func check(_ json: String, _ expected: [String], line: UInt = #line) throws {
            try Data(json.utf8).write(to: file)
            assertCLIPError([file.path] + expected, line: line) { try HuggingFaceTokenizer(contentsOf: file) }
        }
        let unigram = #""model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0], ["a", -1]]}"#
        try check("[1, 2]", ["not a JSON object"])
        try check("{}", ["model", "required object is missing"])
        try check(#"{"model": {"type": "WordPiece", "vocab": {}}}"#, ["model.type", "unsupported model 'WordPiece'"])
        try check(
            #"{"model": {"type": "Unigram", "unk_id": 0, "vocab": [["a"]]}}"#,
            ["model.vocab[0]", "expected [piece, score]"])
        try check(#"{"model": {"type": "Unigram", "vocab": [["a", 0]]}}"#, ["model.unk_id", "required"])
        try check(
            #"{"model": {"type": "Unigram", "unk_id": 5, "vocab": [["a", 0]]}}"#,
            ["model.unk_id", "5 is not one of the 1 pieces"])
        try check(
            #"{"model": {"type": "BPE", "vocab": {"a": -2}, "merges": []}}"#,
            ["model.vocab.a", "id -2 is out of range or repeated"])
        try check(
            #"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 0}, "merges": []}}"#,
            ["model.vocab.", "out of range or repeated"])
        try check(
            #"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [], "unk_token": "<unk>"}}"#,
            ["model.unk_token", "'<unk>' is not in the vocabulary"])
        try check(
            #"{\#(unigram), "added_tokens": [{"content": "<x>", "id": 3, "normalized": true}]}"#,
            ["added_tokens[0].normalized", "not supported"])
        try check(
            #"{\#(unigram), "added_tokens": [{"content": "<x>", "id": -1}]}"#, ["added_tokens[0]", "non-negative"])
        try check(
            #"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": [["a", "b"]]}}"#,
            ["model.merges[0]", "'a' + 'b' are not all in the vocabulary"])
        try check(
            #"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [7]}}"#, ["model.merges[0]", "expected a pair"])
        try check(#"{"model": {"type": "BPE", "vocab": {"a": 0}}}"#, ["model.merges", "required list is missing"])
        try check(
            #"""
            {\#(unigram), "normalizer": {"type": "Sequence", "normalizers": [{"type": "Replace", "pattern": \#
            {"String": " "}, "content": "x"}, {"type": "NFKD"}]}}
            """#,
            ["normalizer.normalizers[1].type", "unsupported normalizer 'NFKD'"])
        try check(
            #"{\#(unigram), "normalizer": {"type": "Precompiled", "precompiled_charsmap": "not base64!"}}"#,
            ["normalizer.precompiled_charsmap", "base64"])
        try check(
            #"{\#(unigram), "normalizer": {"type": "Precompiled", "precompiled_charsmap": "AQID"}}"#,
            ["normalizer.precompiled_charsmap", "shorter than its 4-byte header"])
        try check(
            #"{\#(unigram), "pre_tokenizer": {"type": "Metaspace", "prepend_scheme": "sometimes"}}"#,
            ["pre_tokenizer.prepend_scheme", "'sometimes'"])
        try check(
            #"{\#(unigram), "pre_tokenizer": {"type": "ByteLevel"}}"#,
            ["pre_tokenizer.type", "unsupported pre-tokenizer 'ByteLevel'"])
        try check(
            #"""
            {\#(unigram), "post_processor": {"type": "TemplateProcessing", "single": [{"Sequence": {"id": "A"}}, \#
            {"SpecialToken": {"id": "</s>"}}]}}
            """#,
            ["post_processor.special_tokens.</s>", "no valid id"])
        try check(#"{\#(unigram), "added_tokens": [{"content": "", "id": 3}]}"#, ["added_tokens[0]", "non-empty"])
    }

    /// A folder's tokenizer_config.json is read strictly: not JSON, or a pad_token the vocabulary lacks, is
    /// an error naming the file and the field.
    func testATokenizerConfigThatDoesNotFitIsNamed() throws {
        for file in ["tokenizer.json", "spiece.model"] {
            let dir = try temporaryDirectory(self)
            try FileManager.default.copyItem(
                at: Fixtures.url("sentencepiece/\(file)"), to: dir.appendingPathComponent(file))
            let config = dir.appendingPathComponent("tokenizer_config.json")
            try Data(#"{"pad_token": "<nope>"}"#.utf8).write(to: config)
            assertCLIPError([config.path, "pad_token", "'<nope>' is not a piece"]) {
                try SiglipTokenizer.forFolder(dir, length: 16)
            }
            try Data("[1,".utf8).write(to: config)
            assertCLIPError([config.path, "not a JSON object"]) { try SiglipTokenizer.forFolder(dir, length: 16) }
            try Data(#"{"pad_token": {"content": "<pad>"}}"#.utf8).write(to: config)
            XCTAssertEqual(
                try SiglipTokenizer.forFolder(dir, length: 16).padID, 0, "\(file): an AddedToken object names the pad")
        }
        let empty = try temporaryDirectory(self)
        assertCLIPError([empty.path, "tokenizer.json, spiece.model, tokenizer.model"]) {
            try SiglipTokenizer.forFolder(empty, length: 16)
        }
    }

    /// tokenizers' BPE fuses a run of unknown characters into one `<unk>` only with `fuse_unk`; a regex
    /// normalizer matches Unicode scalars (a space carrying a combining mark is still a space to it).
    func testUnknownRunsAndScalarRegexesFollowTokenizers() throws {
        func bpe(fuse: Bool) throws -> HuggingFaceTokenizer {
            let json =
                #"""
                {"model": {"type": "BPE", "unk_token": "<unk>", "fuse_unk": \#(fuse), "vocab": {"<unk>": 0, "a": \#
                1, "b": 2, "ab": 3}, "merges": [["a", "b"]]}}
                """#
            return try HuggingFaceTokenizer(data: Data(json.utf8), source: "inline")
        }
        XCTAssertEqual(try bpe(fuse: true).encode("abxyab"), [3, 0, 3])
        XCTAssertEqual(try bpe(fuse: false).encode("abxyab"), [3, 0, 0, 3])
        let json =
            #"""
            {"normalizer": {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": "_"}, "model": {"type": \#
            "Unigram", "unk_id": 0, "vocab": [["<unk>", 0], ["a", -1], ["_", -1], ["́", -1], [" ", -1]]}}
            """#
        let hf = try HuggingFaceTokenizer(data: Data(json.utf8), source: "inline")
        XCTAssertEqual(
            hf.encode("a   \u{301}a"), [1, 2, 3, 1], "three spaces, the last carrying the accent, are one match")
    }

    /// Added tokens are cut out of the raw text before normalising (leftmost, longest first), and
    /// `lstrip`/`rstrip` take the whitespace beside them.
    func testAddedTokensSplitTheRawText() throws {
        let json = #"""
            {"added_tokens": [{"id": 0, "content": "<x>"}, {"id": 1, "content": "<x><y>", "rstrip": true}],
             "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": true},
             "model": {"type": "Unigram", "unk_id": 2, "vocab": [["<x>", 0], ["<x><y>", 0], ["<unk>", 0], ["▁a", -1], \#
            ["a", -2], ["▁", -3], ["b", -2]]}}
            """#
        let hf = try HuggingFaceTokenizer(data: Data(json.utf8), source: "inline")
        XCTAssertEqual(
            hf.encode("a<x><y>  b<x>a"), [3, 1, 6, 0, 4], "prepended only at the start; rstrip ate the spaces")
        XCTAssertEqual(hf.encode("<x>a"), [0, 4], "after a token the text no longer starts the input")
    }
}
