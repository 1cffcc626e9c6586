import Foundation

/// Byte-pair encoding of one pre-tokenized word into token ids, with a cache for repeated words.
final class BPE: @unchecked Sendable {
    let vocabulary: BPEVocabulary
    private var cache: [Substring: [Int32]] = [:]
    private let lock = NSLock()
    /// Bounds the cache so a long-running server embedding arbitrary text does not grow without limit.
    static let cacheLimit = 100_000

    init(vocabulary: BPEVocabulary) { self.vocabulary = vocabulary }

    /// Ids for one byte-encoded word (the word-final symbol gets `</w>`).
    func encode(_ word: Substring) -> [Int32] {
        lock.lock()
        if let hit = cache[word] { lock.unlock(); return hit }
        lock.unlock()
        let ids = merge(word)
        lock.lock()
        if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
        cache[word] = ids
        lock.unlock()
        return ids
    }

    /// Merges the word's byte symbols, lowest-ranked adjacent pair first (all its occurrences, left to right),
    /// until no adjacent pair is a known merge.
    private func merge(_ word: Substring) -> [Int32] {
        let bytes = Array(word.utf8)
        guard !bytes.isEmpty else { return [] }
        var symbols = bytes.map { vocabulary.byteID[Int($0)] }
        symbols[symbols.count - 1] = vocabulary.byteEndID[Int(bytes[bytes.count - 1])]
        @inline(__always) func key(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b)) }
        while symbols.count > 1 {
            var best: (rank: Int32, merged: Int32, left: Int32, right: Int32)?
            for k in 0..<(symbols.count - 1) {
                if let m = vocabulary.merges[key(symbols[k], symbols[k + 1])], m.rank < (best?.rank ?? .max) {
                    best = (m.rank, m.merged, symbols[k], symbols[k + 1])
                }
            }
            guard let best else { break }
            var merged: [Int32] = []
            merged.reserveCapacity(symbols.count)
            var k = 0
            while k < symbols.count {
                if k < symbols.count - 1, symbols[k] == best.left, symbols[k + 1] == best.right {
                    merged.append(best.merged)
                    k += 2
                } else {
                    merged.append(symbols[k])
                    k += 1
                }
            }
            symbols = merged
        }
        return symbols
    }
}
