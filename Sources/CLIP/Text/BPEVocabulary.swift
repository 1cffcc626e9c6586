import CZlib
import Foundation

/// Token ids and merge ranks of a CLIP BPE vocabulary.
public struct BPEVocabulary: Sendable {
    /// Token string (byte-encoded, `</w>` marking word ends) → id.
    let encoder: [String: Int32]
    /// "left right" merge → priority (lower merges first).
    let ranks: [String: Int]

    /// The vocabulary that ships with SwiftCLIP: `bpe_simple_vocab_16e6.txt.gz` from open_clip (MIT).
    public static func bundled() throws -> BPEVocabulary {
        guard let url = Bundle.module.url(forResource: "bpe_simple_vocab_16e6.txt", withExtension: "gz") else {
            throw CLIPError.io(file: "bpe_simple_vocab_16e6.txt.gz", reason: "resource missing from the CLIP bundle")
        }
        return try BPEVocabulary(openAIMergesGzip: url)
    }

    /// OpenAI/open_clip format: a gzip of a header line and merges; the vocabulary is the 256 byte symbols,
    /// the same with `</w>`, the first 48,894 merges, then `<start_of_text>` and `<end_of_text>`.
    public init(openAIMergesGzip url: URL) throws {
        let text = try Self.gunzip(url)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let mergeCount = 49152 - 256 - 2
        guard lines.count > mergeCount else {
            throw CLIPError.input(file: url.path, reason: "has \(lines.count) lines; a CLIP merges file has at least \(mergeCount + 1)")
        }
        let merges = lines[1...mergeCount].map { String($0) }
        var encoder: [String: Int32] = [:]
        encoder.reserveCapacity(49408)
        var vocab = ByteEncoder.vocabularyOrder.map { String($0) }
        vocab += vocab.map { $0 + "</w>" }
        for merge in merges { vocab.append(merge.replacingOccurrences(of: " ", with: "")) }
        vocab += ["<start_of_text>", "<end_of_text>"]
        for (i, token) in vocab.enumerated() { encoder[token] = Int32(i) }
        var ranks: [String: Int] = [:]
        ranks.reserveCapacity(merges.count)
        for (i, merge) in merges.enumerated() { ranks[merge] = i }
        self.encoder = encoder
        self.ranks = ranks
    }

    /// Hugging Face format: `vocab.json` (token → id) and `merges.txt` (`#version` header, one merge per line).
    public init(vocabJSON: URL, mergesText: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: vocabJSON) } catch { throw CLIPError.io(file: vocabJSON.path, reason: error.localizedDescription) }
        guard let map = try? JSONDecoder().decode([String: Int32].self, from: data) else {
            throw CLIPError.input(file: vocabJSON.path, reason: "not a JSON object of token → integer id")
        }
        let text: String
        do { text = try String(contentsOf: mergesText, encoding: .utf8) } catch { throw CLIPError.io(file: mergesText.path, reason: error.localizedDescription) }
        var ranks: [String: Int] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#version") {
            ranks[String(line)] = ranks.count
        }
        // HF spells the special tokens <|startoftext|>; SwiftCLIP looks them up by id.
        self.encoder = map
        self.ranks = ranks
    }

    static func gunzip(_ url: URL) throws -> String {
        guard let file = gzopen(url.path, "rb") else { throw CLIPError.io(file: url.path, reason: "cannot open") }
        defer { gzclose(file) }
        var out = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = gzread(file, &buffer, UInt32(buffer.count))
            if n < 0 { throw CLIPError.input(file: url.path, reason: "corrupt gzip data") }
            if n == 0 { break }
            out.append(buffer, count: Int(n))
        }
        guard let text = String(data: out, encoding: .utf8) else { throw CLIPError.input(file: url.path, reason: "not UTF-8 text") }
        return text
    }
}
