import CLIP
import Foundation

/// A search query: a weighted sum of texts and images, e.g. `"cat" + "2:snow" - "indoor"` or
/// `--image beach.jpg - "people"`. A part naming an existing file is an image; `w:` in front sets its weight.
public struct SearchQuery: Sendable, Equatable {
    public enum Part: Sendable, Equatable {
        case text(String)
        case image(String)
    }

    public struct Term: Sendable, Equatable {
        public let weight: Float
        public let part: Part

        public init(weight: Float, part: Part) {
            self.weight = weight
            self.part = part
        }
    }

    public var terms: [Term]

    public init(terms: [Term]) { self.terms = terms }

    /// Parses command-line words: operands separated by `+` / `-` words (or one quoted expression such as
    /// `"cat" + "2:snow" - "indoor"`); `image` adds a reverse-image term.
    public static func parse(
        _ words: [String], image: String? = nil,
        isFile: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }
    ) throws -> SearchQuery {
        var tokens = words
        if words.count == 1, words[0].contains("\"") { tokens = try splitQuoted(words[0]) }
        var terms: [Term] = []
        var sign: Float = 1
        var expectOperand = true
        for token in tokens {
            if token == "+" || token == "-" {
                guard expectOperand == false || terms.isEmpty else {
                    throw CLIPError.invalidArgument("query: two operators in a row near '\(token)'")
                }
                sign = token == "-" ? -1 : 1
                expectOperand = true
                continue
            }
            if !expectOperand { sign = 1 }  // words side by side without an operator: added
            var text = token, weight: Float = 1
            if let colon = token.firstIndex(of: ":"), let w = Float(token[..<colon]), !isFile(token) {
                // Float() reads "nan", "inf" and 1e39 (→ ∞): no weight a sum can use.
                guard w.isFinite else {
                    throw CLIPError.invalidArgument(
                        "query: the weight '\(token[..<colon])' in '\(token)' is not a finite number")
                }
                weight = w
                text = String(token[token.index(after: colon)...])
            }
            guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw CLIPError.invalidArgument("query: empty part '\(token)'")
            }
            terms.append(Term(weight: sign * weight, part: isFile(text) ? .image(text) : .text(text)))
            sign = 1
            expectOperand = false
        }
        if let image { terms.append(Term(weight: 1, part: .image(image))) }
        guard !terms.isEmpty else { throw CLIPError.invalidArgument("query: nothing to search for") }
        return SearchQuery(terms: terms)
    }

    /// A query typed on one line (the search page, `POST /v1/search`): `cat + 2:snow - indoor`, where only
    /// a `+` or `-` standing alone between spaces is an operator ("black-and-white photo" is one text), or
    /// the quoted form. Every part is a text: a server never reads paths it is sent.
    public static func parse(expression: String) throws -> SearchQuery {
        if expression.contains("\"") { return try parse([expression], isFile: { _ in false }) }
        var words: [String] = [], current: [Substring] = []
        for token in expression.split(whereSeparator: \.isWhitespace) {
            if token == "+" || token == "-" {
                if !current.isEmpty { words.append(current.joined(separator: " ")) }
                current = []
                words.append(String(token))
            } else {
                current.append(token)
            }
        }
        if !current.isEmpty { words.append(current.joined(separator: " ")) }
        return try parse(words, isFile: { _ in false })
    }

    private static func splitQuoted(_ expression: String) throws -> [String] {
        var tokens: [String] = [], current = "", quoted = false
        for ch in expression {
            if ch == "\"" {
                if quoted {
                    tokens.append(current)
                    current = ""
                }
                quoted.toggle()
            } else if quoted {
                current.append(ch)
            } else if ch == "+" || ch == "-" {
                tokens.append(String(ch))
            } else if !ch.isWhitespace {
                throw CLIPError.invalidArgument("query: text outside quotes in \(expression)")
            }
        }
        guard !quoted else { throw CLIPError.invalidArgument("query: unbalanced quotes in \(expression)") }
        return tokens
    }

    /// The query vector: the weighted sum of the parts' normalised embeddings, normalised
    /// (`LibraryQuery.normalisedSum`).
    public func vector(
        embedText: ([String]) throws -> [[Float]], embedImage: ([String]) throws -> [[Float]]
    ) throws -> [Float] {
        try vector(
            textVectors: texts.isEmpty ? [] : try embedText(texts),
            imageVectors: imagePaths.isEmpty ? [] : try embedImage(imagePaths))
    }

    /// The query's texts, in order: what `vector(textVectors:imageVectors:)` wants embedded, one row each.
    public var texts: [String] {
        terms.compactMap { if case let .text(t) = $0.part { return t } else { return nil } }
    }

    /// The query's image paths, in order.
    public var imagePaths: [String] {
        terms.compactMap { if case let .image(p) = $0.part { return p } else { return nil } }
    }

    /// The weighted sum, given the vectors of `texts` and of `imagePaths` (embedded by the caller, in batches
    /// of its own, in the same order).
    public func vector(textVectors: [[Float]], imageVectors: [[Float]]) throws -> [Float] {
        precondition(textVectors.count == texts.count && imageVectors.count == imagePaths.count,
                     "one vector per text and per image path")
        var textVectors = textVectors
        var imageVectors = imageVectors
        let parts = terms.map { term -> (vector: [Float], weight: Float) in
            switch term.part {
            case .text: return (textVectors.removeFirst(), term.weight)
            case .image: return (imageVectors.removeFirst(), term.weight)
            }
        }
        do {
            return try LibraryQuery.normalisedSum(parts, normalisingParts: false)
        } catch LibraryQueryProblem.weightsTooLarge {
            throw CLIPError.invalidArgument("query: the weights are too large to add up")
        } catch LibraryQueryProblem.cancelsOut {
            throw CLIPError.invalidArgument("query: the parts cancel out")
        }
    }
}
