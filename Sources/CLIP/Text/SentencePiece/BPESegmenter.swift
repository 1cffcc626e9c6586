/// Byte-pair merging over SentencePiece pieces (Gemma's tokenizer, SigLIP 2), in both readers' forms:
/// - SentencePiece (`.model`): user-defined pieces are matched first, longest at each position, and never
///   merged; every other character starts as a symbol; the adjacent pair whose concatenation is a piece
///   with the highest score merges first (the leftmost among equals).
/// - Hugging Face tokenizers (`tokenizer.json`): every character starts as a symbol (a character outside
///   the vocabulary becomes its `<0xNN>` byte pieces, or `<unk>`); the pair listed earliest in `merges`
///   merges first (the leftmost among equals).
/// Either way a symbol left outside the vocabulary is spelled in byte pieces with byte fallback, and a run
/// of unknown symbols is one `<unk>`. A heap of candidate pairs keeps long inputs O(n log n).
struct BPESegmenter: Sendable {
    enum Merges: Sendable {
        /// SentencePiece: a pair merges when the concatenation is a piece, by that piece's score.
        case byScore
        /// Hugging Face: the listed pairs, by rank (`(left id, right id)` packed into 64 bits → rank, result).
        case byRank([UInt64: (rank: Int32, id: Int32)])
    }

    let pieces: [SentencePieceModel.Piece]
    let unknown: UnknownPieces
    let merges: Merges
    private let ids: [ArraySlice<UInt8>: Int]
    private let userDefined: [ArraySlice<UInt8>: Int]
    private let longestUserDefined: Int

    init(pieces: [SentencePieceModel.Piece], unkID: Int, byteFallback: Bool, fuseUnknown: Bool = true, merges: Merges) {
        self.pieces = pieces
        self.merges = merges
        unknown = UnknownPieces(pieces: pieces, unkID: unkID, byteFallback: byteFallback, fuse: fuseUnknown)
        var ids: [ArraySlice<UInt8>: Int] = [:], userDefined: [ArraySlice<UInt8>: Int] = [:], longest = 0
        for (id, piece) in pieces.enumerated() {
            let bytes = Array(piece.text.utf8)[...]
            switch piece.type {
            case .normal, .unused:
                if ids[bytes] == nil { ids[bytes] = id }
            case .userDefined:
                if ids[bytes] == nil { ids[bytes] = id }
                if case .byScore = merges {
                    userDefined[bytes] = id
                    longest = max(longest, bytes.count)
                }
            default: break
            }
        }
        self.ids = ids
        self.userDefined = userDefined
        longestUserDefined = longest
    }

    private struct Symbol {
        var start: Int, end: Int
        var id: Int
        var prev: Int, next: Int
        var frozen: Bool
    }

    private struct Candidate: Comparable {
        let priority: Float, left: Int, right: Int, length: Int, result: Int
        // The best candidate first: higher priority, then the leftmost.
        static func < (a: Candidate, b: Candidate) -> Bool {
            a.priority != b.priority ? a.priority > b.priority : a.left < b.left
        }
    }

    /// The ids of one normalised byte string.
    func segment(_ bytes: [UInt8], into out: inout [Int]) {
        guard !bytes.isEmpty else { return }
        var symbols = initialSymbols(bytes)
        var heap = MinHeap<Candidate>()
        func consider(_ l: Int, _ r: Int) {
            guard l >= 0, r >= 0, !symbols[l].frozen, !symbols[r].frozen else { return }
            switch merges {
            case .byScore:
                guard let id = ids[bytes[symbols[l].start..<symbols[r].end]] else { return }
                heap.push(
                    Candidate(
                        priority: pieces[id].score, left: l, right: r, length: symbols[r].end - symbols[l].start,
                        result: id))
            case let .byRank(table):
                guard symbols[l].id >= 0, symbols[r].id >= 0,
                    let merge = table[UInt64(symbols[l].id) << 32 | UInt64(symbols[r].id)]
                else { return }
                heap.push(
                    Candidate(
                        priority: -Float(merge.rank), left: l, right: r, length: symbols[r].end - symbols[l].start,
                        result: Int(merge.id)))
            }
        }
        for i in 0..<(symbols.count - 1) { consider(i, i + 1) }
        while let top = heap.pop() {
            let l = top.left, r = top.right
            // Stale: one side was merged away or grew since the pair was pushed.
            guard symbols[l].next == r, symbols[r].start != -1, symbols[r].end - symbols[l].start == top.length else {
                continue
            }
            symbols[l].end = symbols[r].end
            symbols[l].id = top.result
            symbols[l].next = symbols[r].next
            if symbols[r].next >= 0 { symbols[symbols[r].next].prev = l }
            symbols[r].start = -1
            symbols[r].next = -1
            consider(symbols[l].prev, l)
            consider(l, symbols[l].next)
        }
        var previousUnknown = false
        var i = 0
        while i >= 0 {
            let s = symbols[i]
            let id = s.id >= 0 ? s.id : ids[bytes[s.start..<s.end]]
            unknown.append(
                id == unknown.unkID ? nil : id, bytes: bytes[s.start..<s.end], previousUnknown: &previousUnknown,
                into: &out)
            i = s.next
        }
    }

    /// One symbol per character, or per user-defined piece (SentencePiece), or per byte piece (a character
    /// Hugging Face's BPE does not know, with byte fallback).
    private func initialSymbols(_ bytes: [UInt8]) -> [Symbol] {
        var symbols: [Symbol] = []
        var pos = 0
        while pos < bytes.count {
            var length = 0, id = -1, frozen = false
            if longestUserDefined > 0 {
                for l in stride(from: min(longestUserDefined, bytes.count - pos), through: 1, by: -1) {
                    if let u = userDefined[bytes[pos..<(pos + l)]] {
                        length = l
                        id = u
                        frozen = true
                        break
                    }
                }
            }
            if length == 0 {
                length = max(1, SentencePieceNormalizer.utf8Length(bytes, at: pos))
                id = ids[bytes[pos..<(pos + length)]] ?? -1
            }
            if id < 0, case .byRank = merges {
                // Hugging Face decomposes an unknown character at once into its byte pieces (these may merge
                // further); without them it stays unknown.
                if let spelled = unknown.bytePieces(bytes[pos..<(pos + length)]) {
                    for (k, b) in spelled.enumerated() {
                        symbols.append(
                            Symbol(
                                start: pos + k, end: pos + k + 1, id: b, prev: symbols.count - 1,
                                next: symbols.count + 1, frozen: false))
                    }
                    pos += length
                    continue
                }
            }
            symbols.append(
                Symbol(
                    start: pos, end: pos + length, id: id, prev: symbols.count - 1, next: symbols.count + 1,
                    frozen: frozen))
            pos += length
        }
        symbols[symbols.count - 1].next = -1
        return symbols
    }
}

/// A binary min-heap (the smallest by `<` on top).
struct MinHeap<Element: Comparable> {
    private var items: [Element] = []

    /// The smallest element, left in place.
    var first: Element? { items.first }

    mutating func push(_ e: Element) {
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[i] < items[parent] else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Element? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count, items[l] < items[m] { m = l }
                if r < items.count, items[r] < items[m] { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
