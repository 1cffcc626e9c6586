/// Shape of one transformer stack.
public struct TransformerConfig: Sendable, Equatable {
    public var width: Int
    public var layers: Int
    public var heads: Int
    public var mlpWidth: Int
    public var activation: Activation
    public var layerNormEps: Float

    public init(width: Int, layers: Int, heads: Int, mlpWidth: Int, activation: Activation, layerNormEps: Float = 1e-5) {
        self.width = width; self.layers = layers; self.heads = heads
        self.mlpWidth = mlpWidth; self.activation = activation; self.layerNormEps = layerNormEps
    }

    public var headDim: Int { width / heads }
}

public struct VisionConfig: Sendable, Equatable {
    public var transformer: TransformerConfig
    public var imageSize: Int
    public var patchSize: Int
    public var channels: Int = 3

    public init(transformer: TransformerConfig, imageSize: Int, patchSize: Int) {
        self.transformer = transformer; self.imageSize = imageSize; self.patchSize = patchSize
    }

    public var gridSize: Int { imageSize / patchSize }
    /// Patches plus the class token.
    public var tokens: Int { gridSize * gridSize + 1 }
}

public struct TextConfig: Sendable, Equatable {
    public var transformer: TransformerConfig
    public var contextLength: Int
    public var vocabSize: Int

    public init(transformer: TransformerConfig, contextLength: Int = 77, vocabSize: Int = 49408) {
        self.transformer = transformer; self.contextLength = contextLength; self.vocabSize = vocabSize
    }
}

/// A whole two-tower model. Decoded from the checkpoint's own files (`config.json` or an open_clip
/// model JSON) — see `ConfigDecoding.swift`.
public struct CLIPConfig: Sendable, Equatable {
    public var vision: VisionConfig
    public var text: TextConfig
    public var embedDim: Int

    public init(vision: VisionConfig, text: TextConfig, embedDim: Int) {
        self.vision = vision; self.text = text; self.embedDim = embedDim
    }

    /// Checks the invariants the kernels rely on, naming the offending field.
    public func validate(source: String) throws {
        func require(_ ok: Bool, _ field: String, _ reason: String) throws {
            if !ok { throw CLIPError.config(source: source, field: field, reason: reason) }
        }
        for (name, t) in [("vision", vision.transformer), ("text", text.transformer)] {
            try require(t.width > 0 && t.layers >= 0 && t.heads > 0 && t.mlpWidth > 0, "\(name).width/layers/heads", "must be positive")
            try require(t.width % t.heads == 0, "\(name).heads", "width \(t.width) is not divisible by \(t.heads) heads")
        }
        try require(vision.patchSize > 0 && vision.imageSize >= vision.patchSize, "vision.patch_size", "patch \(vision.patchSize) does not fit image \(vision.imageSize)")
        try require(vision.imageSize % vision.patchSize == 0, "vision.image_size", "\(vision.imageSize) is not a multiple of patch size \(vision.patchSize)")
        try require(text.contextLength > 1, "text.context_length", "must be at least 2")
        try require(text.vocabSize > 0, "text.vocab_size", "must be positive")
        try require(embedDim > 0, "embed_dim", "must be positive")
    }
}
