/// Python's `html.unescape`: named references from the HTML5 table (with the standard's longest-prefix
/// rule for names without `;`), and numeric references with the HTML5 replacement rules.
enum HTMLEntities {
    private static let excludedFromNames: Set<Unicode.Scalar> = ["\t", "\n", "\u{0C}", " ", "<", "&", "#", ";"]

    static func unescape(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "&")) else { return text }
        let tables = TextTables.shared
        let s = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < s.count {
            guard s[i] == "&", i + 1 < s.count else {
                out.append(s[i])
                i += 1
                continue
            }
            if s[i + 1] == "#", let (value, end) = numericReference(s, from: i + 2) {
                out.append(contentsOf: resolveNumeric(value, tables).unicodeScalars)
                i = end
                continue
            }
            // Named: up to 32 characters outside the excluded set, then an optional ';'.
            var end = i + 1
            while end < s.count, end - (i + 1) < 32, !excludedFromNames.contains(s[end]) { end += 1 }
            guard end > i + 1 else {
                out.append(s[i])
                i += 1
                continue
            }
            if end < s.count, s[end] == ";" { end += 1 }
            let name = String(String.UnicodeScalarView(s[(i + 1)..<end]))
            out.append(contentsOf: resolveNamed(name, tables).unicodeScalars)
            i = end
        }
        return String(out)
    }

    /// `#[0-9]+;?` or `#[xX][0-9a-fA-F]+;?` starting after `&#`; nil when neither matches.
    private static func numericReference(_ s: [Unicode.Scalar], from start: Int) -> (UInt64?, Int)? {
        var j = start, hex = false
        if j < s.count, s[j] == "x" || s[j] == "X", j + 1 < s.count, s[j + 1].properties.isASCIIHexDigit {
            hex = true
            j += 1
        }
        let digitsStart = j
        var value: UInt64? = 0
        while j < s.count, hex ? s[j].properties.isASCIIHexDigit : ("0"..."9").contains(s[j]) {
            let digit = UInt64(hex ? Int(String(s[j]), radix: 16)! : Int(s[j].value - 48))
            if let v = value { value = v > 0xFFFF_FFFF ? nil : v * (hex ? 16 : 10) + digit }
            j += 1
        }
        guard j > digitsStart else { return nil }
        if j < s.count, s[j] == ";" { j += 1 }
        return (value, j)
    }

    private static func resolveNumeric(_ value: UInt64?, _ t: TextTables.Prepared) -> String {
        guard let value, value <= 0x10FFFF else { return "\u{FFFD}" }
        let n = UInt32(value)
        if let replacement = t.invalidCharrefs[n] { return replacement }
        if (0xD800...0xDFFF).contains(n) { return "\u{FFFD}" }
        if t.invalidCodepoints.contains(n) { return "" }
        return String(Unicode.Scalar(n)!)
    }

    private static func resolveNamed(_ name: String, _ t: TextTables.Prepared) -> String {
        if let value = t.html5[name] { return value }
        // Longest known prefix (at least 2 characters), as the HTML5 standard specifies for legacy names.
        let scalars = Array(name.unicodeScalars)
        var x = min(scalars.count - 1, t.html5MaxNameLength)
        while x > 1 {
            let prefix = String(String.UnicodeScalarView(scalars[0..<x]))
            if let value = t.html5[prefix] { return value + String(String.UnicodeScalarView(scalars[x...])) }
            x -= 1
        }
        return "&" + name
    }
}
