/// Text → the token ids a text tower takes: CLIP's byte-level BPE (`Tokenizer`: SOT … EOT, zero padding,
/// truncation at the context), or SigLIP's SentencePiece (`SiglipTokenizer`: pieces, `</s>`, padding to the
/// model's fixed length). `LoadedModel.tokenizer()` picks the one the model's family uses.
public protocol TextTokenizer: Sendable {
    func ids(_ text: String) -> [Int32]
}

extension TextTokenizer {
    public func ids(_ texts: [String]) -> [[Int32]] { texts.map { ids($0) } }
}

extension Tokenizer: TextTokenizer {
    public func ids(_ text: String) -> [Int32] { encode(text).ids }
}

extension SiglipTokenizer: TextTokenizer {
    public func ids(_ text: String) -> [Int32] { encode(text) }
}
