import Foundation

/// A Hugging Face `tokenizer.json` holding a SentencePiece vocabulary, run as the `tokenizers` library runs
/// it: added tokens split out of the raw text first (leftmost match, then the longest), then the normalizers, the
/// pre-tokenizers, and the model over each resulting word; the post-processor's template says which special
/// ids go around the text. What SentencePiece exports use is read — normalizers `Precompiled`, `Replace`,
/// `Prepend`, `Lowercase`, `Strip`, `Sequence`; pre-tokenizers `Metaspace`, `WhitespaceSplit`, `Split` on a
/// string, `Sequence`; models `Unigram` and `BPE` (byte fallback; merges as pairs or "a b" strings);
/// `TemplateProcessing`; added tokens matched on the raw text (`normalized: false`, as SentencePiece exports
/// write them). Anything else is refused naming its field.
public struct HuggingFaceTokenizer: Sendable {
    /// The added tokens by their first character, longest first: a text is scanned once, each position
    /// trying only the tokens that can start there.
    private let addedByFirst: [Unicode.Scalar: [(token: AddedToken, scalars: [Unicode.Scalar])]]
    let normalizers: [TextNormalizer]
    let preTokenizers: [WordSplitter]
    let model: PieceSegmenter
    /// Special ids the template puts before and after a single text.
    public let prefixIDs: [Int]
    public let suffixIDs: [Int]
    private let vocabulary: [String: Int]

    struct AddedToken: Sendable {
        let content: String
        let id: Int
        let lstrip: Bool, rstrip: Bool, singleWord: Bool
    }

    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CLIPError.io(file: url.path, reason: error.localizedDescription)
        }
        try self.init(data: data, source: url.path)
    }

    public init(data: Data, source: String) throws {
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw CLIPError.config(source: source, field: nil, reason: "not a JSON object")
        }
        let json = TokenizerJSON(source: source)
        guard let modelObject = root["model"] as? [String: Any] else {
            throw json.fail("model", "required object is missing")
        }
        var vocabulary: [String: Int] = [:]
        (model, vocabulary) = try json.model(modelObject)
        var added: [AddedToken] = []
        for (i, item) in ((root["added_tokens"] as? [[String: Any]]) ?? []).enumerated() {
            guard let content = item["content"] as? String, let id = item["id"] as? Int, !content.isEmpty, id >= 0
            else {
                throw json.fail("added_tokens[\(i)]", "needs a non-empty 'content' and a non-negative integer 'id'")
            }
            if item["normalized"] as? Bool == true {
                throw json.fail(
                    "added_tokens[\(i)].normalized", "tokens matched after normalising are not supported ('\(content)')"
                )
            }
            added.append(
                AddedToken(
                    content: content, id: id, lstrip: item["lstrip"] as? Bool ?? false,
                    rstrip: item["rstrip"] as? Bool ?? false,
                    singleWord: item["single_word"] as? Bool ?? false))
            vocabulary[content] = id
        }
        // Longest first, so that a token containing another wins where both match.
        let longestFirst = added.sorted { $0.content.unicodeScalars.count > $1.content.unicodeScalars.count }
        addedByFirst = Dictionary(
            grouping: longestFirst.map { ($0, Array($0.content.unicodeScalars)) }, by: { $0.1[0] })
        normalizers = try json.normalizers(root["normalizer"], field: "normalizer")
        preTokenizers = try json.preTokenizers(root["pre_tokenizer"], field: "pre_tokenizer")
        (prefixIDs, suffixIDs) = try json.template(root["post_processor"], vocabulary: vocabulary)
        self.vocabulary = vocabulary
    }

    /// The id of a piece or added token.
    public func id(of piece: String) -> Int? { vocabulary[piece] }

    /// The ids of `text`, without the template's special ids.
    public func encode(_ text: String) -> [Int] {
        var out: [Int] = []
        for segment in splitAddedTokens(text) {
            switch segment {
            case let .token(id): out.append(id)
            case let .text(part, atStart):
                var normalized = part
                for n in normalizers { normalized = n.apply(normalized) }
                var words: [WordSplitter.Word] = [(normalized, atStart)]
                for p in preTokenizers { words = p.split(words) }
                for word in words where !word.text.isEmpty { model.segment(Array(word.text.utf8), into: &out) }
            }
        }
        return out
    }

    enum Segment {
        case token(Int)
        /// A stretch of text between added tokens; `atStart`: it begins the input (Metaspace's "first").
        case text(String, atStart: Bool)
    }

    /// The raw text cut at every added token (leftmost, then longest), with `lstrip`/`rstrip` taking the
    /// whitespace beside a token and `single_word` refusing a match inside a word.
    func splitAddedTokens(_ text: String) -> [Segment] {
        guard !addedByFirst.isEmpty else { return [.text(text, atStart: true)] }
        let scalars = Array(text.unicodeScalars)
        func isWord(_ s: Unicode.Scalar) -> Bool {
            s.properties.isAlphabetic || s.properties.numericType != nil || s == "_"
        }
        var out: [Segment] = []
        var textStart = 0, i = 0
        while i < scalars.count {
            var matched: (token: AddedToken, length: Int)?
            // The longest token matching here; a single_word one inside a word is no match at all (as
            // tokenizers filters its leftmost-longest match).
            for (token, pattern) in addedByFirst[scalars[i]] ?? [] where pattern.count <= scalars.count - i {
                guard scalars[i..<(i + pattern.count)].elementsEqual(pattern) else { continue }
                if !(token.singleWord
                    && ((i > 0 && isWord(scalars[i - 1]))
                        || (i + pattern.count < scalars.count && isWord(scalars[i + pattern.count]))))
                {
                    matched = (token, pattern.count)
                }
                break
            }
            guard let (token, length) = matched else {
                i += 1
                continue
            }
            var start = i, end = i + length
            if token.lstrip { while start > textStart, scalars[start - 1].properties.isWhitespace { start -= 1 } }
            if token.rstrip { while end < scalars.count, scalars[end].properties.isWhitespace { end += 1 } }
            if start > textStart {
                out.append(.text(String(String.UnicodeScalarView(scalars[textStart..<start])), atStart: textStart == 0))
            }
            out.append(.token(token.id))
            textStart = end
            i = end
        }
        if textStart < scalars.count {
            out.append(.text(String(String.UnicodeScalarView(scalars[textStart...])), atStart: textStart == 0))
        }
        return out
    }
}
