import Foundation

/// The parts of `ftfy.fix_text` (ftfy 6, default config) that change real text, applied in ftfy's order
/// and repeated until nothing changes: HTML entities (only when the segment has no `<`), C1 controls as
/// Windows-1252, Latin ligatures, character width, curly quotes, line breaks, terminal escapes, control
/// characters, then NFC.
///
/// Not reproduced: mojibake repair (`fix_encoding`: re-decoding text that was decoded with the wrong
/// codec, e.g. "â€™" → "’"), and its helpers `restore_byte_a0`, `replace_lossy_sequences`,
/// `decode_inconsistent_utf8`. Such text is tokenized as it stands.
enum FTFY {
    static func fixText(_ text: String) -> String {
        if isPlainASCII(text) { return text }
        // ftfy fixes line by line; once a line contains '<', HTML unescaping stays off for the rest.
        // Segments end after each "\n" scalar (a "\r\n" Character must not hide it).
        var unescape = true
        var out = ""
        var segment = String.UnicodeScalarView()
        func flush() {
            let text = String(segment)
            if text.contains("<") { unescape = false }
            out += fixSegment(text, unescapeHTML: unescape)
            segment = String.UnicodeScalarView()
        }
        for s in text.unicodeScalars {
            segment.append(s)
            if s == "\n" { flush() }
        }
        if !segment.isEmpty { flush() }
        return out
    }

    /// ASCII text with no '&', ESC, CR or control characters needs no fix (the common case for prompts).
    @inline(__always)
    static func isPlainASCII(_ text: String) -> Bool {
        for b in text.utf8 {
            if b >= 0x80 || b == UInt8(ascii: "&") || b == 0x7F || (b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0C) {
                return false
            }
        }
        return true
    }

    static func fixSegment(_ segment: String, unescapeHTML: Bool) -> String {
        var text = segment
        while true {
            let original = text
            if unescapeHTML { text = unescapeEntities(text) }
            text = mapScalars(text)
            text = fixLineBreaks(text)
            text = removeTerminalEscapes(text)
            text = removeControlCharacters(text)
            text = text.precomposedStringWithCanonicalMapping
            if text == original { return text }
        }
    }

    /// ftfy's `unescape_html`: `&#?[0-9A-Za-z]{1,24};` replaced when it is a known entity (including the
    /// upper-cased Latin ones ftfy adds) or a numeric reference that decodes completely.
    static func unescapeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        let tables = TextTables.shared
        let s = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        func isAlnum(_ c: Unicode.Scalar) -> Bool {
            c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c))
        }
        while i < s.count {
            if s[i] == "&" {
                var j = i + 1
                if j < s.count, s[j] == "#" { j += 1 }
                let nameStart = j
                while j < s.count, j - nameStart < 24, isAlnum(s[j]) { j += 1 }
                if j > nameStart, j < s.count, s[j] == ";" {
                    let match = String(String.UnicodeScalarView(s[i...j]))
                    var replacement = match
                    if let value = tables.ftfyEntities[match] {
                        replacement = value
                    } else if nameStart == i + 2 {
                        let decoded = HTMLEntities.unescape(match)
                        if !decoded.contains(";") { replacement = decoded }
                    }
                    out.append(contentsOf: replacement.unicodeScalars)
                    i = j + 1
                    continue
                }
            }
            out.append(s[i])
            i += 1
        }
        return String(out)
    }

    /// C1 controls → Windows-1252, Latin ligatures → letters, full/half width → normal, curly → straight quotes.
    /// Each is a per-scalar mapping, applied in ftfy's order.
    static func mapScalars(_ text: String) -> String {
        let t = TextTables.shared
        var changed = false
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            var pieces = String.UnicodeScalarView([s])
            for table in [t.c1, t.ligatures, t.width] {
                var next = String.UnicodeScalarView()
                for p in pieces {
                    if let r = table[p.value] {
                        next.append(contentsOf: r.unicodeScalars)
                        changed = true
                    } else {
                        next.append(p)
                    }
                }
                pieces = next
            }
            for p in pieces {
                switch p.value {
                case 0x02BC, 0x2018...0x201B:
                    out.append("'")
                    changed = true
                case 0x201C...0x201F:
                    out.append("\"")
                    changed = true
                default: out.append(p)
                }
            }
        }
        return changed ? String(out) : text
    }

    static func fixLineBreaks(_ text: String) -> String {
        guard
            text.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\u{2028}" || $0 == "\u{2029}" || $0 == "\u{85}" }
            )
        else { return text }
        var out = String.UnicodeScalarView()
        let s = Array(text.unicodeScalars)
        var i = 0
        while i < s.count {
            switch s[i] {
            case "\r":
                out.append("\n")
                if i + 1 < s.count, s[i + 1] == "\n" { i += 1 }
            case "\u{2028}", "\u{2029}", "\u{85}": out.append("\n")
            default: out.append(s[i])
            }
            i += 1
        }
        return String(out)
    }

    /// ANSI escapes `ESC [ (digits|;)* letter`.
    static func removeTerminalEscapes(_ text: String) -> String {
        guard text.unicodeScalars.contains("\u{1B}") else { return text }
        let s = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < s.count {
            if s[i] == "\u{1B}", i + 1 < s.count, s[i + 1] == "[" {
                var j = i + 2
                while j < s.count, ("0"..."9").contains(s[j]) || s[j] == ";" { j += 1 }
                if j < s.count, s[j].isASCII, s[j].properties.isAlphabetic {
                    i = j + 1
                    continue
                }
            }
            out.append(s[i])
            i += 1
        }
        return String(out)
    }

    static func removeControlCharacters(_ text: String) -> String {
        let control = TextTables.shared.control
        guard text.unicodeScalars.contains(where: { control.contains($0.value) }) else { return text }
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars where !control.contains(s.value) { out.append(s) }
        return String(out)
    }
}
