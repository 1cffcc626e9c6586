/// A SentencePiece vocabulary's segmentation of one normalised word: Unigram or BPE, from either file.
enum PieceSegmenter: Sendable {
    case unigram(UnigramSegmenter)
    case bpe(BPESegmenter)

    func segment(_ bytes: [UInt8], into out: inout [Int]) {
        switch self {
        case let .unigram(s): s.segment(bytes, into: &out)
        case let .bpe(s): s.segment(bytes, into: &out)
        }
    }

    var isBPE: Bool {
        if case .bpe = self { return true }
        return false
    }
}
