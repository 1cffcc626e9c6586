import Foundation

/// open_clip's `_clean_lower`: `whitespace_clean(basic_clean(text)).lower()`, where `basic_clean` is
/// `ftfy.fix_text` then `html.unescape` twice, then strip.
enum TextCleaner {
    static func clean(_ text: String) -> String {
        var s = FTFY.fixText(text)
        s = HTMLEntities.unescape(HTMLEntities.unescape(s))
        return collapseWhitespace(s).lowercased()
    }

    /// Python's `" ".join(text.split())`: runs of Unicode whitespace become one space, ends trimmed.
    static func collapseWhitespace(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for s in text.unicodeScalars {
            if isPythonWhitespace(s) {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(" "); pendingSpace = false }
                out.append(s)
            }
        }
        return String(out)
    }

    /// `str.isspace()`: the White_Space property plus U+001C–U+001F (bidi class B/S).
    @inline(__always)
    static func isPythonWhitespace(_ s: Unicode.Scalar) -> Bool {
        if s.isASCII { return (0x09...0x0D).contains(s.value) || (0x1C...0x20).contains(s.value) }
        return s.properties.isWhitespace
    }
}
