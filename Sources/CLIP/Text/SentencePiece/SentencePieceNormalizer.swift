import Foundation

/// SentencePiece's normaliser, exactly: each prefix of the input is replaced through the precompiled
/// charsmap (longest match wins; no match copies one character, malformed UTF-8 becomes U+FFFD),
/// then whitespace is handled as the model's spec says: leading spaces dropped, a dummy `▁` prefix, runs of
/// spaces collapsed, spaces escaped as U+2581, trailing ones dropped.
struct SentencePieceNormalizer: Sendable {
    let spec: SentencePieceModel.Normalizer
    let treatWhitespaceAsSuffix: Bool
    private let charsmap: PrecompiledCharsmap
    static let space: [UInt8] = [0xE2, 0x96, 0x81]  // U+2581

    init(_ spec: SentencePieceModel.Normalizer, treatWhitespaceAsSuffix: Bool, source: String) throws {
        self.spec = spec
        self.treatWhitespaceAsSuffix = treatWhitespaceAsSuffix
        charsmap = try PrecompiledCharsmap(
            spec.precompiledCharsmap, source: source, field: "normalizer_spec.precompiled_charsmap")
    }

    /// One step: the replacement of the prefix at `start` and how many bytes it consumed.
    private func normalizePrefix(_ bytes: [UInt8], from start: Int) -> (ArraySlice<UInt8>, Int) {
        if let (length, replacement) = charsmap.longestMatch(bytes, from: start) { return (replacement, length) }
        let length = Self.utf8Length(bytes, at: start)
        guard length > 0 else { return ([0xEF, 0xBF, 0xBD], 1) }  // malformed: U+FFFD
        return (bytes[start..<(start + length)], length)
    }

    /// The byte length of the valid UTF-8 character at `i` (no overlongs, surrogates or values past
    /// U+10FFFF), or 0.
    static func utf8Length(_ b: [UInt8], at i: Int) -> Int {
        let c = b[i]
        func cont(_ k: Int) -> Bool { i + k < b.count && b[i + k] & 0xC0 == 0x80 }
        switch c {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: return cont(1) ? 2 : 0
        case 0xE0...0xEF:
            guard cont(1), cont(2) else { return 0 }
            let v = (UInt32(c & 0x0F) << 12) | (UInt32(b[i + 1] & 0x3F) << 6) | UInt32(b[i + 2] & 0x3F)
            return v >= 0x800 && !(0xD800...0xDFFF).contains(v) ? 3 : 0
        case 0xF0...0xF4:
            guard cont(1), cont(2), cont(3) else { return 0 }
            let v =
                (UInt32(c & 0x07) << 18) | (UInt32(b[i + 1] & 0x3F) << 12) | (UInt32(b[i + 2] & 0x3F) << 6)
                | UInt32(b[i + 3] & 0x3F)
            return (0x10000...0x10FFFF).contains(v) ? 4 : 0
        default: return 0
        }
    }

    /// The normalised UTF-8 bytes of `text`.
    func normalize(_ text: String) -> [UInt8] {
        let input = Array(text.utf8)
        var pos = 0
        if spec.removeExtraWhitespaces {
            while pos < input.count {
                let (replacement, consumed) = normalizePrefix(input, from: pos)
                guard replacement.elementsEqual([0x20]) else { break }
                pos += consumed
            }
        }
        guard pos < input.count else { return [] }
        let space: [UInt8] = spec.escapeWhitespaces ? Self.space : [0x20]
        var out: [UInt8] = []
        out.reserveCapacity(input.count + 3)
        if !treatWhitespaceAsSuffix && spec.addDummyPrefix { out += space }
        var previousSpace = spec.removeExtraWhitespaces
        while pos < input.count {
            var (replacement, consumed) = normalizePrefix(input, from: pos)
            while previousSpace, replacement.first == 0x20 { replacement = replacement.dropFirst() }
            if !replacement.isEmpty {
                for byte in replacement {
                    if byte == 0x20 { out += space } else { out.append(byte) }
                }
                previousSpace = replacement.last == 0x20
            }
            pos += consumed
            if !spec.removeExtraWhitespaces { previousSpace = false }
        }
        if spec.removeExtraWhitespaces {
            while out.count >= space.count, out.suffix(space.count).elementsEqual(space) { out.removeLast(space.count) }
        }
        if treatWhitespaceAsSuffix && spec.addDummyPrefix { out += space }
        return out
    }
}
