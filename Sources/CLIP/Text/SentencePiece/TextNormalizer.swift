import Foundation

/// One of a `tokenizer.json`'s normalizers, as Hugging Face tokenizers applies it.
enum TextNormalizer: Sendable {
    /// SentencePiece's charsmap as tokenizers applies it (`Precompiled`): each grapheme shorter than 6 bytes
    /// is replaced whole by its first prefix match; otherwise each of its characters by its own.
    case precompiled(PrecompiledCharsmap)
    case replace(TextPattern, String)
    case prepend(String)
    case lowercase
    case strip(left: Bool, right: Bool)

    func apply(_ text: String) -> String {
        switch self {
        case let .precompiled(charsmap):
            guard !charsmap.isEmpty else { return text }
            var out: [UInt8] = []
            out.reserveCapacity(text.utf8.count)
            for grapheme in text {
                let bytes = Array(String(grapheme).utf8)
                if bytes.count < 6, let replacement = charsmap.firstPrefixReplacement(bytes) {
                    out += replacement
                    continue
                }
                for scalar in grapheme.unicodeScalars {
                    let one = Array(String(scalar).utf8)
                    out += charsmap.firstPrefixReplacement(one) ?? one[...]
                }
            }
            return String(decoding: out, as: UTF8.self)
        case let .replace(pattern, content):
            return pattern.replacingMatches(in: text, with: content)
        case let .prepend(prefix):
            return text.isEmpty ? text : prefix + text
        case .lowercase:
            return text.lowercased()
        case let .strip(left, right):
            var scalars = Substring(text).unicodeScalars[...]
            if left { while let f = scalars.first, f.properties.isWhitespace { scalars.removeFirst() } }
            if right { while let l = scalars.last, l.properties.isWhitespace { scalars.removeLast() } }
            return String(String.UnicodeScalarView(scalars))
        }
    }
}

/// A `tokenizer.json` pattern: `{"String": …}` (literal) or `{"Regex": …}`.
enum TextPattern: Sendable {
    case literal(String)
    case regex(String)

    /// Non-overlapping matches, left to right, as ranges of `text`.
    func matches(in text: String) -> [Range<String.Index>] {
        switch self {
        case let .literal(needle):
            // By Unicode scalars, as Rust compares bytes (String's == would merge graphemes).
            guard !needle.isEmpty else { return [] }
            return text.unicodeScalars.ranges(of: needle.unicodeScalars)
        case .regex:
            guard let regex = compiled() else { return [] }
            return text.ranges(of: regex).filter { !$0.isEmpty }
        }
    }

    /// The regular expression, matching Unicode scalars one by one as Oniguruma does in tokenizers (Swift's
    /// default would match whole graphemes: `" {2,}"` would miss a space carrying a combining mark).
    func compiled() -> Regex<AnyRegexOutput>? {
        guard case let .regex(pattern) = self, let regex = try? Regex(pattern) else { return nil }
        return regex.matchingSemantics(.unicodeScalar)
    }

    func replacingMatches(in text: String, with content: String) -> String {
        var out = String.UnicodeScalarView(), last = text.startIndex
        for range in matches(in: text) {
            out.append(contentsOf: text.unicodeScalars[last..<range.lowerBound])
            out.append(contentsOf: content.unicodeScalars)
            last = range.upperBound
        }
        out.append(contentsOf: text.unicodeScalars[last...])
        return String(out)
    }
}
