/// One of a `tokenizer.json`'s pre-tokenizers, as Hugging Face tokenizers applies it: it cuts each word in
/// two or more. A word remembers whether it begins the text (Metaspace's `prepend_scheme: "first"`).
/// (Named apart from CLIP's byte-level `PreTokenizer`.)
enum WordSplitter: Sendable {
    enum PrependScheme: String, Sendable { case always, first, never }
    enum Behavior: String, Sendable {
        case removed = "Removed", isolated = "Isolated", mergedWithPrevious = "MergedWithPrevious",
            mergedWithNext = "MergedWithNext", contiguous = "Contiguous"
    }

    /// Splits on whitespace (Unicode White_Space), dropping it.
    case whitespaceSplit
    /// Spaces become `replacement`, which is prepended to a word per the scheme; then, with `split`, each
    /// `replacement` starts a new word.
    case metaspace(replacement: String, prependScheme: PrependScheme, split: Bool)
    case split(TextPattern, Behavior)

    typealias Word = (text: String, atStart: Bool)

    func split(_ words: [Word]) -> [Word] {
        words.flatMap { word -> [Word] in
            switch self {
            case .whitespaceSplit:
                var out: [Word] = [], current = String.UnicodeScalarView(), currentAtStart = word.atStart
                for s in word.text.unicodeScalars {
                    if s.properties.isWhitespace {
                        if !current.isEmpty { out.append((String(current), currentAtStart)) }
                        current = String.UnicodeScalarView()
                        currentAtStart = false
                    } else {
                        current.append(s)
                    }
                }
                if !current.isEmpty { out.append((String(current), currentAtStart)) }
                return out
            case let .metaspace(replacement, scheme, split):
                var text = TextPattern.literal(" ").replacingMatches(in: word.text, with: replacement)
                guard !text.isEmpty else { return [] }
                let prepend = scheme == .always || (scheme == .first && word.atStart)
                if prepend && !text.unicodeScalars.starts(with: replacement.unicodeScalars) {
                    text = replacement + text
                }
                return split
                    ? Self.cut((text, word.atStart), at: .literal(replacement), .mergedWithNext)
                    : [(text, word.atStart)]
            case let .split(pattern, behavior):
                return Self.cut(word, at: pattern, behavior)
            }
        }
    }

    /// `word` cut at each match of `pattern`, the matches kept per `behavior`.
    static func cut(_ word: Word, at pattern: TextPattern, _ behavior: Behavior) -> [Word] {
        let text = word.text, scalars = text.unicodeScalars
        // Pieces as (range, isMatch), covering the text.
        var pieces: [(Range<String.Index>, Bool)] = []
        var last = text.startIndex
        for m in pattern.matches(in: text) {
            if last < m.lowerBound { pieces.append((last..<m.lowerBound, false)) }
            pieces.append((m, true))
            last = m.upperBound
        }
        if last < text.endIndex { pieces.append((last..<text.endIndex, false)) }
        var ranges: [Range<String.Index>] = []
        switch behavior {
        case .removed:
            ranges = pieces.filter { !$0.1 }.map(\.0)
        case .isolated:
            ranges = pieces.map(\.0)
        case .contiguous:
            var previousIsMatch = false
            for (range, isMatch) in pieces {
                if isMatch, previousIsMatch, let previous = ranges.last {
                    ranges[ranges.count - 1] = previous.lowerBound..<range.upperBound
                } else {
                    ranges.append(range)
                }
                previousIsMatch = isMatch
            }
        case .mergedWithPrevious:
            var previousIsMatch = true
            for (range, isMatch) in pieces {
                if isMatch, !previousIsMatch, let previous = ranges.last {
                    ranges[ranges.count - 1] = previous.lowerBound..<range.upperBound
                } else {
                    ranges.append(range)
                }
                previousIsMatch = isMatch
            }
        case .mergedWithNext:
            var pendingMatch: Range<String.Index>?
            for (range, isMatch) in pieces {
                if isMatch {
                    if let p = pendingMatch { ranges.append(p) }
                    pendingMatch = range
                } else if let p = pendingMatch {
                    ranges.append(p.lowerBound..<range.upperBound)
                    pendingMatch = nil
                } else {
                    ranges.append(range)
                }
            }
            if let p = pendingMatch { ranges.append(p) }
        }
        return ranges.map { (String(scalars[$0]), word.atStart && $0.lowerBound == text.startIndex) }
    }
}
