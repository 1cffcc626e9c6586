/// SentencePiece's precompiled normalisation rules (`precompiled_charsmap`, in a `.model` file's normalizer
/// spec or base64 in a `tokenizer.json`'s `Precompiled` normalizer): a little-endian trie size, a
/// darts-clone double-array trie over UTF-8 byte strings, then a pool of NUL-terminated replacements that
/// the trie's values point into. Two readers use it differently — SentencePiece takes the longest match at
/// each position; Hugging Face tokenizers replaces a whole grapheme by its first (shortest) prefix match —
/// so this type only answers matches.
struct PrecompiledCharsmap: Sendable {
    private let trie: [UInt32]
    private let pool: [UInt8]

    /// `field` names where the blob came from, for errors.
    init(_ blob: [UInt8], source: String, field: String) throws {
        guard !blob.isEmpty else {
            trie = []
            pool = []
            return
        }
        func fail(_ reason: String) -> CLIPError { CLIPError.config(source: source, field: field, reason: reason) }
        guard blob.count >= 4 else { throw fail("shorter than its 4-byte header") }
        let size = Int(UInt32(blob[0]) | UInt32(blob[1]) << 8 | UInt32(blob[2]) << 16 | UInt32(blob[3]) << 24)
        guard size % 4 == 0, size > 0, 4 + size < blob.count else {
            throw fail("a trie of \(size) bytes does not fit the \(blob.count)-byte blob")
        }
        trie = stride(from: 4, to: 4 + size, by: 4).map {
            UInt32(blob[$0]) | UInt32(blob[$0 + 1]) << 8 | UInt32(blob[$0 + 2]) << 16 | UInt32(blob[$0 + 3]) << 24
        }
        pool = Array(blob[(4 + size)...])
        guard pool.last == 0 else { throw fail("the replacement pool does not end in NUL") }
    }

    var isEmpty: Bool { trie.isEmpty }

    // darts-clone unit fields.
    @inline(__always) private static func hasLeaf(_ u: UInt32) -> Bool { (u >> 8) & 1 == 1 }
    @inline(__always) private static func value(_ u: UInt32) -> Int { Int(u & ((1 << 31) - 1)) }
    @inline(__always) private static func label(_ u: UInt32) -> UInt32 { u & ((1 << 31) | 0xFF) }
    @inline(__always) private static func offset(_ u: UInt32) -> Int { Int((u >> 10) << ((u & (1 << 9)) >> 6)) }

    /// Walks the trie over `bytes[start..<end]`, calling `found` with each prefix length that is a key and
    /// its value, shortest first, until `found` returns false.
    private func prefixes(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, _ found: (Int, Int) -> Bool
    ) {
        guard !trie.isEmpty else { return }
        var nodePos = Self.offset(trie[0])
        var i = start
        while i < end {
            let c = bytes[i]
            nodePos ^= Int(c)
            guard nodePos >= 0, nodePos < trie.count else { return }
            let unit = trie[nodePos]
            guard Self.label(unit) == UInt32(c) else { return }
            nodePos ^= Self.offset(unit)
            if Self.hasLeaf(unit), nodePos < trie.count, !found(i + 1 - start, Self.value(trie[nodePos])) { return }
            i += 1
        }
    }

    private func replacement(at offset: Int) -> ArraySlice<UInt8>? {
        guard offset < pool.count else { return nil }
        var end = offset
        while end < pool.count, pool[end] != 0 { end += 1 }
        return pool[offset..<end]
    }

    /// SentencePiece's rule: the longest key at the start of `bytes[start...]`, its length and replacement.
    func longestMatch(_ bytes: [UInt8], from start: Int) -> (length: Int, replacement: ArraySlice<UInt8>)? {
        var best: (Int, Int)?
        bytes.withUnsafeBufferPointer { b in
            prefixes(b, from: start, to: b.count) {
                best = ($0, $1)
                return true
            }
        }
        guard let (length, offset) = best, let r = replacement(at: offset) else { return nil }
        return (length, r)
    }

    /// Hugging Face tokenizers' rule (`Precompiled::transform`): the replacement of the shortest key that
    /// prefixes `chunk`, which then stands for the whole chunk.
    func firstPrefixReplacement(_ chunk: [UInt8]) -> ArraySlice<UInt8>? {
        var first: Int?
        chunk.withUnsafeBufferPointer { b in
            prefixes(b, from: 0, to: b.count) { _, value in
                first = value
                return false
            }
        }
        return first.flatMap { replacement(at: $0) }
    }
}
