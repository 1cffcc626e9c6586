/// Splits cleaned text into words exactly as CLIP's regex does:
/// `<start_of_text>|<end_of_text>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+` (case-insensitive),
/// trying the alternatives in order at each position and skipping whitespace.
/// Hand-written over Unicode scalars: it is the tokenizer's hot loop.
enum PreTokenizer {
    static let specials = ["<start_of_text>", "<end_of_text>"].map { Array($0.unicodeScalars) }
    static let contractions = ["s", "t", "re", "ve", "m", "ll", "d"].map { Array($0.unicodeScalars) }

    enum Kind { case letter, number, space, other }

    @inline(__always)
    static func kind(_ s: Unicode.Scalar) -> Kind {
        if s.isASCII {
            switch s.value {
            case 0x61...0x7A, 0x41...0x5A: return .letter
            case 0x30...0x39: return .number
            case 0x09...0x0D, 0x20: return .space
            default: return .other
            }
        }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return s.properties.isWhitespace ? .space : .other
        }
    }

    static func split(_ text: String) -> [String.UnicodeScalarView.SubSequence] {
        let scalars = text.unicodeScalars
        let chars = Array(scalars)
        var words: [String.UnicodeScalarView.SubSequence] = []
        var indices = Array(scalars.indices)
        indices.append(scalars.endIndex)
        var i = 0
        func matchesLiteral(_ literal: [Unicode.Scalar], at start: Int) -> Bool {
            guard start + literal.count <= chars.count else { return false }
            for (k, s) in literal.enumerated() where lowerASCII(chars[start + k]) != s { return false }
            return true
        }
        while i < chars.count {
            var end = i
            if chars[i] == "<", let special = specials.first(where: { matchesLiteral($0, at: i) }) {
                end = i + special.count
            } else if chars[i] == "'", let c = contractions.first(where: { matchesLiteral($0, at: i + 1) }) {
                end = i + 1 + c.count
            } else {
                switch kind(chars[i]) {
                case .letter:
                    end = i + 1
                    while end < chars.count, kind(chars[end]) == .letter { end += 1 }
                case .number:
                    end = i + 1
                case .other:
                    end = i + 1
                    while end < chars.count, kind(chars[end]) == .other { end += 1 }
                case .space:
                    i += 1
                    continue
                }
            }
            words.append(scalars[indices[i]..<indices[end]])
            i = end
        }
        return words
    }

    @inline(__always)
    private static func lowerASCII(_ s: Unicode.Scalar) -> Unicode.Scalar {
        (0x41...0x5A).contains(s.value) ? Unicode.Scalar(s.value + 32)! : s
    }
}
