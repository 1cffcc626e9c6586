import Foundation

/// Token ids and merge table of a CLIP BPE vocabulary, keyed by ids so BPE never builds strings.
public struct BPEVocabulary: Sendable {
    /// Token string (byte-encoded, `</w>` marking word ends) → id. Later duplicates win, as in Python's
    /// `dict(zip(...))`.
    let encoder: [String: Int32]
    /// `(left id << 32 | right id)` → the merge's priority (lower first) and the id of the merged token.
    let merges: [UInt64: (rank: Int32, merged: Int32)]
    /// Id of each byte's symbol, mid-word and word-final (`</w>`).
    let byteID: [Int32]
    let byteEndID: [Int32]

    init(encoder: [String: Int32], mergeLines: [(left: String, right: String)], source: String) throws {
        var merges: [UInt64: (Int32, Int32)] = [:]
        merges.reserveCapacity(mergeLines.count)
        for (rank, m) in mergeLines.enumerated() {
            guard let l = encoder[m.left], let r = encoder[m.right], let merged = encoder[m.left + m.right] else {
                let reason = "merge \(rank + 1) ('\(m.left) \(m.right)') uses a token missing from the vocabulary"
                throw CLIPError.input(file: source, reason: reason)
            }
            merges[UInt64(UInt32(bitPattern: l)) << 32 | UInt64(UInt32(bitPattern: r))] = (Int32(rank), merged)
        }
        var byteID = [Int32](repeating: 0, count: 256), byteEndID = [Int32](repeating: 0, count: 256)
        for b in 0..<256 {
            let symbol = String(ByteEncoder.scalars[b])
            guard let id = encoder[symbol], let endID = encoder[symbol + "</w>"] else {
                throw CLIPError.input(file: source, reason: "vocabulary lacks the symbol for byte \(b)")
            }
            byteID[b] = id
            byteEndID[b] = endID
        }
        self.encoder = encoder
        self.merges = merges
        self.byteID = byteID
        self.byteEndID = byteEndID
    }

    /// The vocabulary that ships with SwiftCLIP: `bpe_simple_vocab_16e6.txt.gz` from open_clip (MIT).
    public static func bundled() throws -> BPEVocabulary {
        let name = "bpe_simple_vocab_16e6.txt.gz"
        return try BPEVocabulary(openAIMergesGzip: try LibraryFiles.embedded.data(name), source: name)
    }

    /// OpenAI/open_clip format: a gzip of a header line and merges; the vocabulary is the 256 byte symbols,
    /// the same with `</w>`, the first 48,894 merges, then `<start_of_text>` and `<end_of_text>`.
    public init(openAIMergesGzip url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw CLIPError.io(file: url.path, reason: error.localizedDescription)
        }
        try self.init(openAIMergesGzip: data, source: url.path)
    }

    /// The same from the gzip's bytes; `source` names them in errors.
    public init(openAIMergesGzip gzip: Data, source: String) throws {
        let bytes = try Gzip.decompress(gzip, name: source)
        let mergeCount = 49152 - 256 - 2
        let lines = bytes.split(separator: 0x0A, maxSplits: mergeCount + 1, omittingEmptySubsequences: false)
        guard lines.count > mergeCount else {
            let reason = "has \(lines.count) lines; a CLIP merges file has at least \(mergeCount + 1)"
            throw CLIPError.input(file: source, reason: reason)
        }
        var mergeLines: [(String, String)] = []
        mergeLines.reserveCapacity(mergeCount)
        for line in lines[1...mergeCount] {
            guard let space = line.firstIndex(of: 0x20) else {
                let reason = "merge line '\(String(decoding: line, as: UTF8.self))' has no space"
                throw CLIPError.input(file: source, reason: reason)
            }
            mergeLines.append(
                (
                    String(decoding: line[..<space], as: UTF8.self),
                    String(decoding: line[(space + 1)...], as: UTF8.self)
                ))
        }
        var encoder: [String: Int32] = [:]
        encoder.reserveCapacity(49408)
        var next: Int32 = 0
        func add(_ token: String) {
            encoder[token] = next
            next += 1
        }
        let byteSymbols = ByteEncoder.vocabularyOrder.map { String($0) }
        byteSymbols.forEach(add)
        byteSymbols.forEach { add($0 + "</w>") }
        mergeLines.forEach { add($0.0 + $0.1) }
        add("<start_of_text>")
        add("<end_of_text>")
        try self.init(encoder: encoder, mergeLines: mergeLines, source: source)
    }

    /// Hugging Face format: `vocab.json` (token → id) and `merges.txt` (`#version` header, one merge per line).
    public init(vocabJSON: URL, mergesText: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: vocabJSON)
        } catch {
            throw CLIPError.io(file: vocabJSON.path, reason: error.localizedDescription)
        }
        guard let map = try? JSONDecoder().decode([String: Int32].self, from: data) else {
            throw CLIPError.input(file: vocabJSON.path, reason: "not a JSON object of token → integer id")
        }
        let merges: Data
        do {
            merges = try Data(contentsOf: mergesText)
        } catch {
            throw CLIPError.io(file: mergesText.path, reason: error.localizedDescription)
        }
        var mergeLines: [(String, String)] = []
        for line in merges.split(separator: 0x0A) where !line.starts(with: Array("#version".utf8)) {
            guard let space = line.firstIndex(of: 0x20) else { continue }
            let right = String(decoding: line[(space + 1)...], as: UTF8.self)
            mergeLines.append(
                (
                    String(decoding: line[..<space], as: UTF8.self),
                    right.trimmingCharacters(in: .whitespacesAndNewlines)
                ))
        }
        // HF spells the special tokens <|startoftext|>; the tokenizer looks them up by either name.
        try self.init(encoder: map, mergeLines: mergeLines, source: mergesText.path)
    }
}
