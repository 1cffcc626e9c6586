/// Shape of one transformer stack.
public struct TransformerConfig: Sendable, Equatable {
    public var width: Int
    public var layers: Int
    public var heads: Int
    public var mlpWidth: Int
    public var activation: Activation
    public var layerNormEps: Float

    public init(
        width: Int, layers: Int, heads: Int, mlpWidth: Int, activation: Activation,
        layerNormEps: Float = 1e-5
    ) {
        self.width = width
        self.layers = layers
        self.heads = heads
        self.mlpWidth = mlpWidth
        self.activation = activation
        self.layerNormEps = layerNormEps
    }

    public var headDim: Int { width / heads }
}

public struct VisionConfig: Sendable, Equatable {
    public var transformer: TransformerConfig
    public var imageSize: Int
    public var patchSize: Int
    public var channels: Int = 3
    /// CLIP's ViTs prepend a class token; SigLIP's do not (they pool with an attention head).
    public var classToken = true

    public init(transformer: TransformerConfig, imageSize: Int, patchSize: Int, classToken: Bool = true) {
        self.transformer = transformer
        self.imageSize = imageSize
        self.patchSize = patchSize
        self.classToken = classToken
    }

    public var gridSize: Int { imageSize / patchSize }
    /// Patches, plus the class token when there is one.
    public var tokens: Int { gridSize * gridSize + (classToken ? 1 : 0) }
}

public struct TextConfig: Sendable, Equatable {
    /// How a text tower reads its tokens: CLIP's is causal and pools at the end-of-text token through a
    /// bias-free projection; SigLIP's attends both ways over its fixed-length input and pools at the last
    /// position through a linear head with a bias.
    public enum Style: String, Sendable { case clip, siglip }

    public var transformer: TransformerConfig
    public var contextLength: Int
    public var vocabSize: Int
    public var style: Style = .clip

    public init(
        transformer: TransformerConfig, contextLength: Int = 77, vocabSize: Int = 49408,
        style: Style = .clip
    ) {
        self.transformer = transformer
        self.contextLength = contextLength
        self.vocabSize = vocabSize
        self.style = style
    }
}

/// OpenAI's ModifiedResNet image tower (RN50 … RN50x64): a 3-convolution stem, four stages of
/// bottlenecks (`layers` blocks each, widths `width`·1, 2, 4, 8 before the ×4 expansion) and an attention
/// pool over the final `imageSize / 32` grid.
public struct ResNetConfig: Sendable, Equatable {
    public var layers: [Int]
    public var width: Int
    public var imageSize: Int
    public var heads: Int
    public var batchNormEps: Float = 1e-5

    public init(layers: [Int], width: Int, imageSize: Int, heads: Int) {
        self.layers = layers
        self.width = width
        self.imageSize = imageSize
        self.heads = heads
    }

    /// Channels out of the last stage, which the attention pool works in.
    public var poolWidth: Int { width * 32 }
    /// Side of the last stage's grid.
    public var grid: Int { imageSize / 32 }
}

/// The names of the model families SwiftCLIP runs. The checkpoint's own config names the family
/// (`FamilyTable`); each family is a `ModelFamily` plug-in with its own folder under `Model/`.
public enum FamilyKind: String, Sendable, CaseIterable {
    case vit = "ViT"
    case modifiedResNet = "ModifiedResNet"
    case siglip = "SigLIP"
}

/// The image tower's shape, by family.
public enum ImageTowerConfig: Sendable, Equatable {
    case vit(VisionConfig)
    case modifiedResNet(ResNetConfig)
    /// SigLIP's ViT: a patch convolution with a bias, no class token and no `ln_pre`, and a multi-head
    /// attention pooling head (MAP) instead of a projection.
    case siglip(VisionConfig)

    public var family: FamilyKind {
        switch self {
        case .vit: return .vit
        case .modifiedResNet: return .modifiedResNet
        case .siglip: return .siglip
        }
    }

    public var imageSize: Int {
        switch self {
        case let .vit(v), let .siglip(v): return v.imageSize
        case let .modifiedResNet(r): return r.imageSize
        }
    }
}

/// A whole two-tower model. Decoded from the checkpoint's own files (`config.json` or an open_clip
/// model JSON) — see `ConfigDecoding.swift`.
public struct CLIPConfig: Sendable, Equatable {
    public var image: ImageTowerConfig
    public var text: TextConfig
    public var embedDim: Int

    public init(image: ImageTowerConfig, text: TextConfig, embedDim: Int) {
        self.image = image
        self.text = text
        self.embedDim = embedDim
    }

    public init(vision: VisionConfig, text: TextConfig, embedDim: Int) {
        self.init(image: .vit(vision), text: text, embedDim: embedDim)
    }

    /// The ViT image tower's shape; nil for another family.
    public var vit: VisionConfig? {
        if case let .vit(v) = image { return v }
        return nil
    }

    /// The ViT image tower's shape, for what only ViTs support (training, FLOP shapes), or an error that
    /// says `what` needs one.
    public func requireViT(for what: String) throws -> VisionConfig {
        guard let vit else {
            throw CLIPError.invalidArgument(
                "\(what) supports ViT image towers only; this model's is a \(image.family.rawValue)")
        }
        return vit
    }

    /// Checks the invariants the kernels rely on, naming the offending field.
    public func validate(source: String) throws {
        func require(_ ok: Bool, _ field: String, _ reason: String) throws {
            if !ok { throw CLIPError.config(source: source, field: field, reason: reason) }
        }
        var stacks = [("text", text.transformer)]
        switch image {
        case let .vit(vision), let .siglip(vision):
            stacks.insert(("vision", vision.transformer), at: 0)
            try require(
                vision.patchSize > 0 && vision.imageSize >= vision.patchSize, "vision.patch_size",
                "patch \(vision.patchSize) does not fit image \(vision.imageSize)")
            // SigLIP's SO400M/14 at 384 px takes a 27×27 grid, its convolution leaving the last 6 pixels
            // unread (as timm and transformers run it); CLIP's ViTs are all exact multiples.
            try require(
                vision.imageSize % vision.patchSize == 0 || image.family == .siglip, "vision.image_size",
                "\(vision.imageSize) is not a multiple of patch size \(vision.patchSize)")
        case let .modifiedResNet(r):
            try require(
                r.layers.count == 4 && r.layers.allSatisfy { $0 > 0 }, "vision.layers",
                "a ModifiedResNet has 4 stages of at least one block, got \(r.layers)")
            try require(r.width > 0 && r.width % 2 == 0, "vision.width", "must be positive and even, got \(r.width)")
            try require(
                r.imageSize >= 32 && r.imageSize % 32 == 0, "vision.image_size",
                "a ModifiedResNet needs a multiple of 32, got \(r.imageSize)")
            try require(
                r.heads > 0 && r.poolWidth % r.heads == 0, "vision.heads",
                "\(r.poolWidth) channels are not divisible by \(r.heads) heads")
        }
        for (name, t) in stacks {
            try require(
                t.width > 0 && t.layers >= 0 && t.heads > 0 && t.mlpWidth > 0, "\(name).width/layers/heads",
                "must be positive")
            try require(
                t.width % t.heads == 0, "\(name).heads",
                "width \(t.width) is not divisible by \(t.heads) heads")
        }
        try require(text.contextLength > 1, "text.context_length", "must be at least 2")
        try require(text.vocabSize > 0, "text.vocab_size", "must be positive")
        try require(embedDim > 0, "embed_dim", "must be positive")
    }
}
