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

    private func merge(_ word: Substring) -> [Int32] {
        var symbols = word.unicodeScalars.map { String($0) }
        guard !symbols.isEmpty else { return [] }
        symbols[symbols.count - 1] += "</w>"
        while symbols.count > 1 {
            // The lowest-ranked adjacent pair merges next, everywhere it occurs (left to right).
            var best = Int.max, bestPair = ("", "")
            for k in 0..<(symbols.count - 1) {
                if let rank = vocabulary.ranks[symbols[k] + " " + symbols[k + 1]], rank < best {
                    best = rank
                    bestPair = (symbols[k], symbols[k + 1])
                }
            }
            if best == Int.max { break }
            var merged: [String] = []
            merged.reserveCapacity(symbols.count)
            var k = 0
            while k < symbols.count {
                if k < symbols.count - 1, symbols[k] == bestPair.0, symbols[k + 1] == bestPair.1 {
                    merged.append(bestPair.0 + bestPair.1)
                    k += 2
                } else {
                    merged.append(symbols[k])
                    k += 1
                }
            }
            symbols = merged
        }
        // Every symbol is in the vocabulary by construction (bytes, bytes</w>, or a merge result).
        return symbols.map { vocabulary.encoder[$0] ?? 0 }
    }
}
