import Foundation

/// Byte-pair encoding of one pre-tokenized word into token ids, with a cache for repeated words.
final class BPE: @unchecked Sendable {
    let vocabulary: BPEVocabulary
    private var cache: [String: [Int32]] = [:]
    private let lock = NSLock()
    /// Bounds the cache so a long-running server embedding arbitrary text does not grow without limit: at
    /// most this many words, each of at most `cachedWordBytes` (keyed by a copy, not by a slice that would
    /// keep the whole text alive).
    static let cacheLimit = 100_000
    static let cachedWordBytes = 128

    init(vocabulary: BPEVocabulary) { self.vocabulary = vocabulary }

    /// Ids for one byte-encoded word (the word-final symbol gets `</w>`).
    func encode(_ word: Substring) -> [Int32] {
        guard word.utf8.count <= Self.cachedWordBytes else { return merge(word) }
        let key = String(word)
        lock.lock()
        if let hit = cache[key] {
            lock.unlock()
            return hit
        }
        lock.unlock()
        let ids = merge(word)
        lock.lock()
        if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
        cache[key] = ids
        lock.unlock()
        return ids
    }

    /// Merges the word's byte symbols as CLIP's reference does: the lowest-ranked adjacent pair first, all of
    /// its occurrences left to right (an overlapping one skipped), then the next lowest, until no adjacent
    /// pair is a known merge.
    ///
    /// The reference rescans the word for every merge, O(n²): a 30 KB word with no spaces (a CJK paragraph)
    /// took seconds. Here the symbols form a linked list and the candidate pairs a heap keyed by (rank,
    /// position), O(n log n): all occurrences of the lowest rank are taken together, left to right, and the
    /// pairs they create enter the heap only afterwards, which is exactly the reference's pass.
    private func merge(_ word: Substring) -> [Int32] {
        let bytes = Array(word.utf8)
        guard !bytes.isEmpty else { return [] }
        let n = bytes.count
        var symbol = bytes.map { vocabulary.byteID[Int($0)] }
        symbol[n - 1] = vocabulary.byteEndID[Int(bytes[n - 1])]
        var next = Array(1...n), previous = Array(-1..<(n - 1))  // n / -1: no neighbour
        var alive = [Bool](repeating: true, count: n)
        // (rank, position) packed into one UInt64, so that the integer order is rank first, then position.
        var heap = MinHeap<UInt64>()
        @inline(__always) func rankOf(_ entry: UInt64) -> Int32 { Int32(bitPattern: UInt32(entry >> 32)) }
        @inline(__always) func key(_ a: Int32, _ b: Int32) -> UInt64 {
            UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))
        }
        func push(_ left: Int) {
            guard left >= 0, next[left] < n else { return }
            let right = next[left]
            guard let m = vocabulary.merges[key(symbol[left], symbol[right])] else { return }
            heap.push(UInt64(UInt32(bitPattern: m.rank)) << 32 | UInt64(UInt32(left)))
        }
        for i in 0..<(n - 1) { push(i) }
        var batch: [Int] = []
        while let entry = heap.pop() {
            // Every occurrence of this rank's pair, left to right; stale entries are checked below.
            let rank = rankOf(entry)
            batch.removeAll(keepingCapacity: true)
            batch.append(Int(UInt32(truncatingIfNeeded: entry)))
            while let top = heap.first, rankOf(top) == rank {
                batch.append(Int(UInt32(truncatingIfNeeded: heap.pop()!)))
            }
            batch.sort()
            var touched: [Int] = []
            for left in batch {
                let right = next[left]
                // Stale: a symbol merged away, or a pair that no longer has this rank.
                guard alive[left], right < n, let m = vocabulary.merges[key(symbol[left], symbol[right])],
                    m.rank == rank
                else { continue }
                symbol[left] = m.merged
                alive[right] = false
                next[left] = next[right]
                if next[right] < n { previous[next[right]] = left }
                touched.append(left)
            }
            // The pairs the merges made, on both sides of each merged symbol.
            for left in touched where alive[left] {
                if previous[left] >= 0 { push(previous[left]) }
                push(left)
            }
        }
        var result: [Int32] = []
        var i = 0
        while i < n {
            result.append(symbol[i])
            i = next[i]
        }
        return result
    }
}
