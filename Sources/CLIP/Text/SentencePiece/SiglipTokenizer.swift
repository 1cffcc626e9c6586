import Foundation

/// SigLIP's text input: the text cleaned as its reference cleans it, its SentencePiece ids, `</s>` (or
/// Gemma's `<eos>`) appended, truncated to keep that end token, and padded to the model's fixed length (64
/// for most released models, 16 for SO400M/14): SigLIP's text tower reads the last position, so every text
/// is the same length, and the pad id matters — T5's vocabulary (SigLIP) pads with `</s>`, Gemma's
/// (SigLIP 2) with `<pad>` = 0 (padding SigLIP 2 with 1 silently degrades it).
public struct SiglipTokenizer: Sendable {
    /// Where the ids come from: a SentencePiece model file (the end token appended here), or a
    /// `tokenizer.json` (its template says which special ids surround the text).
    public enum Pieces: Sendable {
        case sentencePiece(SentencePieceTokenizer)
        case huggingFace(HuggingFaceTokenizer)
    }

    /// The clean-up before tokenizing.
    public enum Cleanup: String, Sendable {
        /// transformers' `SiglipTokenizer.canonicalize_text`: lowercase, ASCII punctuation (`_` too) removed,
        /// whitespace collapsed and stripped.
        case transformers
        /// open_clip's `clean="canonicalize"`: ftfy and HTML unescaping, `_` to a space, then as above.
        case openCLIP
        /// The text as given (transformers' GemmaTokenizerFast does no clean-up).
        case none
    }

    public let pieces: Pieces
    public let length: Int
    public let padID: Int
    public let cleanup: Cleanup

    public init(pieces: Pieces, length: Int = 64, padID: Int, cleanup: Cleanup) {
        self.pieces = pieces
        self.length = length
        self.padID = padID
        self.cleanup = cleanup
    }

    /// A SentencePiece model file as SigLIP's references run it: `</s>` appended; padded with `</s>` for
    /// T5's Unigram vocabulary, with `<pad>` for Gemma's BPE one.
    public init(sentencePiece: SentencePieceTokenizer, length: Int = 64, cleanup: Cleanup = .transformers) {
        self.init(
            pieces: .sentencePiece(sentencePiece), length: length, padID: Self.defaultPad(sentencePiece.model),
            cleanup: cleanup)
    }

    /// `<pad>` for a BPE (Gemma) model that has one, else `</s>` (T5's vocabulary, SigLIP).
    static func defaultPad(_ model: SentencePieceModel) -> Int {
        model.algorithm == .bpe && model.padID >= 0 ? model.padID : model.eosID
    }

    /// Python's `string.punctuation`.
    static let punctuation = Set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".unicodeScalars)

    /// The text as `cleanup` leaves it.
    public static func clean(_ text: String, _ cleanup: Cleanup) -> String {
        switch cleanup {
        case .none: return text
        case .transformers:
            return withoutPunctuation(
                TextCleaner.pythonLowercased(text.replacingOccurrences(of: "\u{2581}", with: " ")))
        case .openCLIP: return withoutPunctuation(TextCleaner.clean(text).replacingOccurrences(of: "_", with: " "))
        }
    }

    /// `canonicalize_text`'s last steps: ASCII punctuation dropped, whitespace runs collapsed and stripped.
    static func withoutPunctuation(_ text: String) -> String {
        var out = String.UnicodeScalarView(), pendingSpace = false
        for s in text.unicodeScalars where !punctuation.contains(s) {
            if TextCleaner.isPythonWhitespace(s) {
                pendingSpace = true
            } else {
                if pendingSpace && !out.isEmpty { out.append(" ") }
                pendingSpace = false
                out.append(s)
            }
        }
        return String(out)
    }

    /// `length` ids: the special prefix, the text's pieces (truncated to fit), the end token, then padding.
    public func encode(_ text: String) -> [Int32] {
        let cleaned = Self.clean(text, cleanup)
        let prefix: [Int], content: [Int], suffix: [Int]
        switch pieces {
        case let .sentencePiece(sp): (prefix, suffix) = ([], [sp.model.eosID])
        case let .huggingFace(hf): (prefix, suffix) = (hf.prefixIDs, hf.suffixIDs)
        }
        content = pieces.encode(cleaned)
        var ids = prefix + content.prefix(max(0, length - prefix.count - suffix.count)) + suffix
        ids = Array(ids.prefix(length))
        ids += [Int](repeating: padID, count: length - ids.count)
        return ids.map(Int32.init)
    }
}

extension SiglipTokenizer.Pieces {
    /// The pieces' ids of `text` alone: no clean-up, special ids or padding (as `sentencepiece`'s `encode`
    /// and `tokenizers`' `encode(add_special_tokens=False)`).
    public func encode(_ text: String) -> [Int] {
        switch self {
        case let .sentencePiece(sp): return sp.encode(text)
        case let .huggingFace(hf): return hf.encode(text)
        }
    }
}
