/// GPT-2/CLIP's reversible map from bytes to printable Unicode scalars: printable Latin-1 bytes map to
/// themselves, the other 68 bytes to U+0100 onwards, so BPE never sees whitespace or control characters.
enum ByteEncoder {
    static let scalars: [Unicode.Scalar] = {
        var printable = Array(33...126) + Array(161...172) + Array(174...255)
        var codes = printable
        var next = 0
        for b in 0..<256 where !printable.contains(b) {
            printable.append(b)
            codes.append(256 + next)
            next += 1
        }
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        for (b, c) in zip(printable, codes) { table[b] = Unicode.Scalar(UInt32(c))! }
        return table
    }()

    /// The byte-encoded form of a UTF-8 string.
    static func encode<S: Sequence>(_ utf8: S) -> String where S.Element == UInt8 {
        var out = String.UnicodeScalarView()
        for b in utf8 { out.append(scalars[Int(b)]) }
        return String(out)
    }
}
