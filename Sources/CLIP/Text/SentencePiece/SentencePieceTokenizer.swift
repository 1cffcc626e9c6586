import Foundation

/// A SentencePiece model file run as the `sentencepiece` library runs it: the normaliser (precompiled
/// charsmap and whitespace rules of the model's spec), then the whole normalised text segmented by the
/// model's algorithm — Unigram (T5's `spiece.model`, SigLIP) or BPE (Gemma's `tokenizer.model`, SigLIP 2).
public struct SentencePieceTokenizer: Sendable {
    public let model: SentencePieceModel
    let normalizer: SentencePieceNormalizer
    private let segmenter: PieceSegmenter

    public init(model: SentencePieceModel, source: String) throws {
        self.model = model
        normalizer = try SentencePieceNormalizer(
            model.normalizer, treatWhitespaceAsSuffix: model.treatWhitespaceAsSuffix, source: source)
        switch model.algorithm {
        case .unigram:
            segmenter = .unigram(
                UnigramSegmenter(pieces: model.pieces, unkID: model.unkID, byteFallback: model.byteFallback))
        case .bpe:
            segmenter = .bpe(
                BPESegmenter(
                    pieces: model.pieces, unkID: model.unkID, byteFallback: model.byteFallback, merges: .byScore))
        case .word, .character:
            throw CLIPError.config(
                source: source, field: "trainer_spec.model_type",
                reason: "a \(model.algorithm) model; SwiftCLIP reads Unigram and BPE models")
        }
    }

    public init(contentsOf url: URL) throws {
        try self.init(model: try SentencePieceModel(contentsOf: url), source: url.path)
    }

    /// The ids of `text` (no bos or eos added).
    public func encode(_ text: String) -> [Int] {
        var out: [Int] = []
        segmenter.segment(normalizer.normalize(text), into: &out)
        return out
    }
}
