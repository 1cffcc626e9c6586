import Foundation

/// One tokenized text: exactly `contextLength` ids, `[SOT, …, EOT, 0, …]`.
public struct TokenizedText: Sendable, Equatable {
    public let ids: [Int32]
    /// True when the text did not fit and was cut (the last slot then holds EOT, as open_clip does).
    public let truncated: Bool
}

/// CLIP's BPE tokenizer, matching open_clip's `SimpleTokenizer` (the OpenAI tokenizer).
///
/// Steps: clean (ftfy subset, HTML unescape twice, whitespace collapse, lowercase) → split with CLIP's
/// regex → UTF-8 bytes to symbols → BPE → `[SOT] + ids + [EOT]`, truncated to the context with EOT kept.
public final class Tokenizer: @unchecked Sendable {
    public static let startOfText: Int32 = 49406
    public static let endOfText: Int32 = 49407

    public let contextLength: Int
    private let bpe: BPE
    private let startID: Int32
    private let endID: Int32

    public init(vocabulary: BPEVocabulary, contextLength: Int = 77) {
        self.contextLength = contextLength
        self.bpe = BPE(vocabulary: vocabulary)
        startID = vocabulary.encoder["<start_of_text>"] ?? vocabulary.encoder["<|startoftext|>"] ?? Self.startOfText
        endID = vocabulary.encoder["<end_of_text>"] ?? vocabulary.encoder["<|endoftext|>"] ?? Self.endOfText
    }

    nonisolated(unsafe) private static var sharedTokenizer: Tokenizer?
    private static let sharedLock = NSLock()

    /// The tokenizer over the bundled vocabulary, loaded once.
    public static func shared() throws -> Tokenizer {
        sharedLock.lock()
        defer { sharedLock.unlock() }
        if let sharedTokenizer { return sharedTokenizer }
        let tokenizer = Tokenizer(vocabulary: try .bundled())
        sharedTokenizer = tokenizer
        return tokenizer
    }

    /// The tokenizer for a model folder: its own `vocab.json` + `merges.txt` when present, else the bundled
    /// one; texts are truncated to `contextLength` (the model's), 77 by default.
    public static func forModel(at folder: URL?, contextLength: Int = 77) throws -> Tokenizer {
        if let folder {
            let vocab = folder.appendingPathComponent("vocab.json"),
                merges = folder.appendingPathComponent("merges.txt")
            if FileManager.default.fileExists(atPath: vocab.path), FileManager.default.fileExists(atPath: merges.path) {
                return Tokenizer(
                    vocabulary: try BPEVocabulary(vocabJSON: vocab, mergesText: merges), contextLength: contextLength)
            }
        }
        let bundled = try shared()
        return contextLength == bundled.contextLength
            ? bundled : Tokenizer(vocabulary: try .bundled(), contextLength: contextLength)
    }

    /// BPE ids of the cleaned text, without SOT/EOT or truncation.
    public func encodeWords(_ text: String) -> [Int32] {
        let cleaned = TextCleaner.clean(text)
        var ids: [Int32] = []
        for word in PreTokenizer.split(cleaned) {
            if word.elementsEqual("<start_of_text>".unicodeScalars) {
                ids.append(startID)
                continue
            }
            if word.elementsEqual("<end_of_text>".unicodeScalars) {
                ids.append(endID)
                continue
            }
            ids += bpe.encode(Substring(word))
        }
        return ids
    }

    /// `[SOT, ids…, EOT]` padded with zeros to `contextLength`.
    public func encode(_ text: String) -> TokenizedText {
        var ids = [startID] + encodeWords(text) + [endID]
        let truncated = ids.count > contextLength
        if truncated {
            ids.removeLast(ids.count - contextLength)
            ids[contextLength - 1] = endID
        }
        ids += [Int32](repeating: 0, count: contextLength - ids.count)
        return TokenizedText(ids: ids, truncated: truncated)
    }

    public func encode(_ texts: [String]) -> [TokenizedText] { texts.map { encode($0) } }
}
