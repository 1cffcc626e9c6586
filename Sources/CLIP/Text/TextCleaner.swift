import Foundation

/// open_clip's `_clean_lower`: `whitespace_clean(basic_clean(text)).lower()`, where `basic_clean` is
/// `ftfy.fix_text` then `html.unescape` twice, then strip.
enum TextCleaner {
    static func clean(_ text: String) -> String {
        if FTFY.isPlainASCII(text) { return cleanPlainASCII(text) }
        var s = FTFY.fixText(text)
        s = HTMLEntities.unescape(HTMLEntities.unescape(s))
        return pythonLowercased(collapseWhitespace(s))
    }

    /// The same result for ASCII text with no '&' or control characters (ftfy and unescaping leave it
    /// unchanged): whitespace collapse and lowercasing in one pass over the bytes.
    static func cleanPlainASCII(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        for b in text.utf8 {
            if b == 0x20 || (0x09...0x0D).contains(b) {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace {
                    out.append(0x20)
                    pendingSpace = false
                }
                out.append((0x41...0x5A).contains(b) ? b + 32 : b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Python's `" ".join(text.split())`: runs of Unicode whitespace become one space, ends trimmed.
    static func collapseWhitespace(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for s in text.unicodeScalars {
            if isPythonWhitespace(s) {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace {
                    out.append(" ")
                    pendingSpace = false
                }
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

    /// Python's `str.lower()`: the full lowercase mapping of each scalar, with capital sigma becoming final
    /// `ς` when it ends a word (Unicode's Final_Sigma context), which Swift's `lowercased()` does not do.
    static func pythonLowercased(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            return String(decoding: text.utf8.map { (0x41...0x5A).contains($0) ? $0 + 32 : $0 }, as: UTF8.self)
        }
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        for (i, s) in scalars.enumerated() {
            if s == "\u{03A3}" {
                out.append(isFinalSigma(scalars, at: i) ? "\u{03C2}" : "\u{03C3}")
            } else {
                out.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return String(out)
    }

    /// Preceded by a cased letter and not followed by one, skipping case-ignorable scalars both ways.
    static func isFinalSigma(_ s: [Unicode.Scalar], at i: Int) -> Bool {
        var j = i - 1
        while j >= 0, s[j].properties.isCaseIgnorable { j -= 1 }
        guard j >= 0, s[j].properties.isCased else { return false }
        var k = i + 1
        while k < s.count, s[k].properties.isCaseIgnorable { k += 1 }
        return k == s.count || !s[k].properties.isCased
    }
}
