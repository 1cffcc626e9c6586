/// GPT-2/CLIP's reversible map from bytes to printable Unicode scalars: printable Latin-1 bytes map to
/// themselves, the other 68 bytes to U+0100 onwards, so BPE never sees whitespace or control characters.
enum ByteEncoder {
    /// Bytes in the order the vocabulary lists their symbols: printable ones first, then the rest.
    static let byteOrder: [Int] = {
        let printable = Array(33...126) + Array(161...172) + Array(174...255)
        return printable + (0..<256).filter { !printable.contains($0) }
    }()

    /// Symbol for each byte value.
    static let scalars: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for b in byteOrder {
            let printable = (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b)
            table[b] = printable ? Unicode.Scalar(UInt32(b))! : Unicode.Scalar(next)!
            if !printable { next += 1 }
        }
        return table
    }()

    /// The 256 byte symbols in vocabulary order (ids 0–255).
    static var vocabularyOrder: [Unicode.Scalar] { byteOrder.map { scalars[$0] } }
}
