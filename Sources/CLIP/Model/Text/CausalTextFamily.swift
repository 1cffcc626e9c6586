import Foundation

/// A family whose text tower is CLIP's: causal, pooled at the end-of-text token through a bias-free
/// projection, with CLIP's byte-level BPE tokenizer. ViT and ModifiedResNet models share it, so it is
/// written once here and each of them only says it conforms.
protocol CausalTextFamily: ModelFamily {}

extension CausalTextFamily {
    static var textStyle: TextConfig.Style { .clip }
    static var textReadsWholeContext: Bool { false }

    static func textTower(
        _ config: CLIPConfig, from reader: WeightReader, layout: CheckpointLayout,
        packing: LinearPacking
    ) throws -> any TextTower {
        let weights = TextKeyMap.weights(
            from: reader, layout: layout, config: config.text, embedDim: config.embedDim,
            packing: packing)
        return TextTransformer(config: config.text, embedDim: config.embedDim, weights: weights)
    }

    /// The folder's vocabulary, or the bundled one (a folder's vocab.json + merges.txt take ~0.15 s to
    /// parse), truncating at the context length.
    static func tokenizer(folder: URL?, text: TextConfig, source: String) throws -> any TextTokenizer {
        try Tokenizer.forModel(at: folder, contextLength: text.contextLength)
    }
}
