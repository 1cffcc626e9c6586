/// The Unigram segmentation SentencePiece and Hugging Face tokenizers share: the best-scoring path over
/// byte positions (scores summed in Float; a later candidate replaces an earlier one only when strictly
/// better, so ties go to the piece that starts earliest); a character no piece covers on its own becomes
/// `<unk>` scored 10 below the lowest piece; a run of unknown characters is one `<unk>` id; with byte
/// fallback, unknown characters are spelled as `<0xNN>` byte pieces instead.
struct UnigramSegmenter: Sendable {
    let pieces: [SentencePieceModel.Piece]
    let unknown: UnknownPieces
    private let ids: [ArraySlice<UInt8>: Int]
    private let maxPieceBytes: Int
    private let minScore: Float
    private let maxScore: Float

    init(pieces: [SentencePieceModel.Piece], unkID: Int, byteFallback: Bool) {
        self.pieces = pieces
        unknown = UnknownPieces(pieces: pieces, unkID: unkID, byteFallback: byteFallback, fuse: true)
        var ids: [ArraySlice<UInt8>: Int] = [:], longest = 0
        var minScore = Float.greatestFiniteMagnitude, maxScore = Float.leastNormalMagnitude  // C++'s FLT_MIN
        for (id, piece) in pieces.enumerated() {
            switch piece.type {
            case .normal, .userDefined, .unused:
                let bytes = Array(piece.text.utf8)[...]
                if ids[bytes] == nil { ids[bytes] = id }
                longest = max(longest, bytes.count)
            default: break
            }
            if piece.type == .normal {
                minScore = min(minScore, piece.score)
                maxScore = max(maxScore, piece.score)
            }
        }
        self.ids = ids
        maxPieceBytes = longest
        self.minScore = minScore
        self.maxScore = maxScore
    }

    /// The ids of one normalised byte string.
    func segment(_ bytes: [UInt8], into out: inout [Int]) {
        guard !bytes.isEmpty else { return }
        let n = bytes.count
        // best[i]: the best path ending at byte i — its last piece's id and start, and its score.
        var bestID = [Int](repeating: -1, count: n + 1), bestStart = [Int](repeating: -1, count: n + 1)
        var bestScore = [Float](repeating: 0, count: n + 1)
        bestStart[0] = 0
        let unkScore = minScore - 10
        var start = 0
        while start < n {
            let charLength = max(1, SentencePieceNormalizer.utf8Length(bytes, at: start))
            let base = bestScore[start]
            var coversOneChar = false
            var length = 1
            while length <= min(maxPieceBytes, n - start) {
                if let id = ids[bytes[start..<(start + length)]], pieces[id].type != .unused {
                    let piece = pieces[id]
                    let score = piece.type == .userDefined ? Float(length) * maxScore - 0.1 : piece.score
                    let end = start + length, candidate = base + score
                    if bestStart[end] == -1 || candidate > bestScore[end] {
                        bestID[end] = id
                        bestStart[end] = start
                        bestScore[end] = candidate
                    }
                    if length == charLength { coversOneChar = true }
                }
                length += 1
            }
            if !coversOneChar {
                let end = min(n, start + charLength), candidate = base + unkScore
                if bestStart[end] == -1 || candidate > bestScore[end] {
                    bestID[end] = unknown.unkID
                    bestStart[end] = start
                    bestScore[end] = candidate
                }
            }
            start += charLength
        }
        var found: [(id: Int, range: Range<Int>)] = []
        var end = n
        while end > 0 {
            let begin = bestStart[end]
            found.append((bestID[end], begin..<end))
            end = begin
        }
        var previousUnknown = false
        for (id, range) in found.reversed() {
            unknown.append(
                id == unknown.unkID ? nil : id, bytes: bytes[range], previousUnknown: &previousUnknown, into: &out)
        }
    }
}

/// What becomes of a piece outside the vocabulary, the same for Unigram and BPE in both readers: with byte
/// fallback, its `<0xNN>` byte pieces (when the vocabulary has all of them); otherwise `<unk>`, a run of
/// unknown pieces fused into one unless `fuse` is false (tokenizers' `fuse_unk`); a vocabulary without
/// `<unk>` drops it, as tokenizers does.
struct UnknownPieces: Sendable {
    let unkID: Int
    let fuse: Bool
    /// Each byte's piece id, or empty without byte fallback.
    let byteIDs: [Int]

    init(pieces: [SentencePieceModel.Piece], unkID: Int, byteFallback: Bool, fuse: Bool) {
        self.unkID = unkID
        self.fuse = fuse
        let ids = byteFallback ? BytePieces.ids(in: pieces) : []
        byteIDs = ids.contains(-1) ? [] : ids
    }

    /// The byte pieces of `bytes`, when byte fallback has them all.
    func bytePieces(_ bytes: ArraySlice<UInt8>) -> [Int]? {
        byteIDs.isEmpty ? nil : bytes.map { byteIDs[Int($0)] }
    }

    /// Appends `id`, or for an unknown piece (`nil`) its byte pieces or `<unk>`.
    func append(_ id: Int?, bytes: ArraySlice<UInt8>, previousUnknown: inout Bool, into out: inout [Int]) {
        guard let id else {
            if let spelled = bytePieces(bytes) {
                out += spelled
                previousUnknown = false
            } else {
                if unkID >= 0 && !(fuse && previousUnknown) { out.append(unkID) }
                previousUnknown = true
            }
            return
        }
        out.append(id)
        previousUnknown = false
    }
}

/// SentencePiece's byte-fallback pieces `<0x00>` … `<0xFF>`.
enum BytePieces {
    /// The id of each byte's piece (−1 where a model lacks one).
    static func ids(in pieces: [SentencePieceModel.Piece]) -> [Int] {
        var byText: [String: Int] = [:]
        for (id, piece) in pieces.enumerated() where piece.type == .byte {
            if byText[piece.text] == nil { byText[piece.text] = id }
        }
        return (0..<256).map { byText[name(of: UInt8($0))] ?? -1 }
    }

    /// The byte a piece's text names (`<0x41>` → 0x41; upper-case hex, as SentencePiece writes it), or nil.
    static func byte(named text: String) -> UInt8? {
        guard text.utf8.count == 6, text.hasPrefix("<0x"), text.hasSuffix(">"),
            let b = UInt8(String(text.dropFirst(3).dropLast()), radix: 16),
            name(of: b) == text
        else { return nil }
        return b
    }

    static func name(of byte: UInt8) -> String {
        let hex = Array("0123456789ABCDEF")
        return "<0x\(hex[Int(byte >> 4)])\(hex[Int(byte & 15)])>"
    }
}
