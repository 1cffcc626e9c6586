import Foundation

/// SigLIP's text input, as transformers' `SiglipTokenizer` makes it: the text lowercased (Python's
/// `str.lower`), ASCII punctuation removed (`_` with it), whitespace runs collapsed and stripped, then the
/// SentencePiece ids with `</s>` appended, truncated to keep that `</s>`, and padded with `</s>` to the
/// model's fixed length (64 for the released models): SigLIP's text tower reads the last position, so
/// every text is the same length.
public struct SiglipTokenizer: Sendable {
    public let sentencePiece: UnigramTokenizer
    public let length: Int

    public init(sentencePiece: UnigramTokenizer, length: Int = 64) {
        self.sentencePiece = sentencePiece
        self.length = length
    }

    /// Python's `string.punctuation`.
    static let punctuation = Set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".unicodeScalars)

    /// `canonicalize_text`: lowercase, drop ASCII punctuation, collapse and strip whitespace.
    static func canonicalize(_ text: String) -> String {
        let lowered = TextCleaner.pythonLowercased(text.replacingOccurrences(of: "\u{2581}", with: " "))
        var out = String.UnicodeScalarView(), pendingSpace = false
        for s in lowered.unicodeScalars where !punctuation.contains(s) {
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

    /// `length` ids: the text's pieces, `</s>`, then `</s>` as padding.
    public func encode(_ text: String) -> [Int32] {
        let eos = sentencePiece.model.eosID
        var ids = Array(sentencePiece.encode(Self.canonicalize(text)).prefix(length - 1))
        ids.append(eos)
        ids += [Int](repeating: eos, count: length - ids.count)
        return ids.map(Int32.init)
    }
}
