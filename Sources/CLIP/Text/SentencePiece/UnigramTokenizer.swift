import Foundation

/// SentencePiece's Unigram encoder, exactly as the library runs it: the normalised text is segmented by
/// the best-scoring path over byte positions (scores summed in Float; a later candidate replaces an earlier
/// one only when strictly better, so ties go to the piece that starts earliest); a character no piece
/// covers on its own becomes `<unk>` scored 10 below the lowest piece; a run of unknown characters is one
/// `<unk>` id; with byte fallback, unknown characters are spelled as `<0xNN>` byte pieces instead.
public struct UnigramTokenizer: Sendable {
    public let model: SentencePieceModel
    let normalizer: SentencePieceNormalizer
    private let ids: [[UInt8]: Int]
    private let maxPieceBytes: Int
    private let minScore: Float
    private let maxScore: Float
    private let byteIDs: [Int]

    public init(model: SentencePieceModel, source: String) throws {
        guard model.algorithm == .unigram else {
            throw CLIPError.config(source: source, field: "trainer_spec.model_type", reason: "a \(model.algorithm) model, not Unigram")
        }
        self.model = model
        normalizer = try SentencePieceNormalizer(model.normalizer, treatWhitespaceAsSuffix: model.treatWhitespaceAsSuffix, source: source)
        var ids: [[UInt8]: Int] = [:], longest = 0
        var minScore = Float.greatestFiniteMagnitude, maxScore = Float.leastNormalMagnitude  // C++'s FLT_MIN
        for (id, piece) in model.pieces.enumerated() {
            switch piece.type {
            case .normal, .userDefined, .unused:
                let bytes = Array(piece.text.utf8)
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
        byteIDs = model.byteFallback ? (0..<256).map { b in
            model.pieces.firstIndex { $0.type == .byte && $0.text == String(format: "<0x%02X>", b) } ?? model.unkID
        } : []
    }

    public init(contentsOf url: URL) throws {
        try self.init(model: try SentencePieceModel(contentsOf: url), source: url.path)
    }

    /// The ids of `text` (no bos or eos added).
    public func encode(_ text: String) -> [Int] {
        let bytes = normalizer.normalize(text)
        guard !bytes.isEmpty else { return [] }
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
                if let id = ids[Array(bytes[start..<(start + length)])], model.pieces[id].type != .unused {
                    let piece = model.pieces[id]
                    let score = piece.type == .userDefined ? Float(length) * maxScore - 0.1 : piece.score
                    let end = start + length, candidate = base + score
                    if bestStart[end] == -1 || candidate > bestScore[end] {
                        bestID[end] = id; bestStart[end] = start; bestScore[end] = candidate
                    }
                    if length == charLength { coversOneChar = true }
                }
                length += 1
            }
            if !coversOneChar {
                let end = min(n, start + charLength), candidate = base + unkScore
                if bestStart[end] == -1 || candidate > bestScore[end] {
                    bestID[end] = model.unkID; bestStart[end] = start; bestScore[end] = candidate
                }
            }
            start += charLength
        }
        var pieces: [(id: Int, range: Range<Int>)] = []
        var end = n
        while end > 0 {
            let begin = bestStart[end]
            pieces.append((bestID[end], begin..<end))
            end = begin
        }
        var out: [Int] = []
        var previousUnknown = false
        for (id, range) in pieces.reversed() {
            let unknown = id == model.unkID
            if unknown && model.byteFallback {
                out += bytes[range].map { byteIDs[Int($0)] }
            } else if !(unknown && previousUnknown) {
                out.append(id)
            }
            previousUnknown = unknown
        }
        return out
    }
}
