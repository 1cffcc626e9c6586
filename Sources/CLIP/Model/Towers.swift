/// An image tower: preprocessed pixels → embeddings. Behind it the family (ViT, ModifiedResNet) is
/// invisible to the tasks, the search, the CLI and the server.
public protocol ImageTower: AnyObject, Sendable {
    /// The family and shape it was built from.
    var towerConfig: ImageTowerConfig { get }
    var embedDim: Int { get }
    /// Embeds `[batch, 3, imageSize, imageSize]` pixels (normalised with the model's mean and std):
    /// `[batch, embedDim]`, L2-normalised unless `normalize` is false. `observer` sees each residual block's
    /// MLP activations (towers without transformer blocks never call it).
    func embed(pixels: Tensor, normalize: Bool, observer: BlockObserver?) throws -> Tensor
    /// Every packed linear layer (and convolution), with the format and kernel it runs: what `clip bench
    /// --kernels` reports.
    var packedLayers: [PackedLayer] { get }
}

extension ImageTower {
    public var imageSize: Int { towerConfig.imageSize }
    public var family: FamilyKind { towerConfig.family }

    public func embed(pixels: Tensor) throws -> Tensor { try embed(pixels: pixels, normalize: true, observer: nil) }
    public func embed(pixels: Tensor, normalize: Bool) throws -> Tensor {
        try embed(pixels: pixels, normalize: normalize, observer: nil)
    }

    /// Refuses pixels of another shape than the tower takes, saying which it takes.
    func checkPixels(_ pixels: Tensor) throws {
        let s = imageSize
        guard pixels.shape.count == 4, pixels.shape[1] == 3, pixels.shape[2] == s, pixels.shape[3] == s else {
            throw CLIPError.invalidArgument(
                "image tensor has shape \(pixels.shape); this model expects [batch, 3, \(s), \(s)]")
        }
    }
}

/// A text tower: token ids (from its tokenizer) → embeddings.
public protocol TextTower: AnyObject, Sendable {
    var config: TextConfig { get }
    var embedDim: Int { get }
    /// Embeds token sequences as `Tokenizer.encode` makes them: `[texts, embedDim]` in input order,
    /// L2-normalised unless `normalize` is false.
    func embed(tokens: [[Int32]], normalize: Bool) throws -> Tensor
    /// Every packed linear layer, with the format and kernel it runs.
    var packedLayers: [PackedLayer] { get }
}

extension TextTower {
    public func embed(tokens: [[Int32]]) throws -> Tensor { try embed(tokens: tokens, normalize: true) }

    /// Refuses an id outside the vocabulary, naming the text.
    func checkVocabulary(_ sequence: [Int32], text i: Int) throws {
        let vocab = config.vocabSize
        if let bad = sequence.first(where: { $0 < 0 || Int($0) >= vocab }) {
            throw CLIPError.invalidArgument("text \(i) has token id \(bad) outside the vocabulary (0..<\(vocab))")
        }
    }
}
