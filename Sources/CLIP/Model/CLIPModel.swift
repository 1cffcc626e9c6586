import Foundation

/// Which towers to materialise. Loading only the tower a command uses halves start-up time and memory.
public struct Towers: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let vision = Towers(rawValue: 1)
    public static let text = Towers(rawValue: 2)
    public static let both: Towers = [.vision, .text]
}

/// A loaded CLIP model: either tower (or both) plus the learned temperature.
public final class CLIPModel: @unchecked Sendable {
    public let config: CLIPConfig
    public let vision: (any ImageTower)?
    public let text: (any TextTower)?
    /// `exp(logit_scale)`, the multiplier applied to cosine similarities (100 for trained OpenAI models).
    public let logitScale: Float
    /// SigLIP's `logit_bias`, added to the scaled cosine before its sigmoid; nil for CLIP's softmax models.
    public let logitBias: Float?
    /// Where the weights came from, for messages.
    public let source: String
    /// The precision the block linears run in (resolved: never `auto`).
    public let precision: Precision
    /// Every packed layer of the loaded towers (`image.*`, then `text.*`), with the format it resolved to
    /// and the kernel that runs it.
    public var packedLayers: [PackedLayer] {
        (vision?.packedLayers.map { $0.prefixed("image") } ?? [])
            + (text?.packedLayers.map { $0.prefixed("text") } ?? [])
    }

    init(
        config: CLIPConfig, vision: (any ImageTower)?, text: (any TextTower)?, logitScale: Float,
        logitBias: Float? = nil, source: String,
        precision: Precision = .fp32
    ) {
        self.logitBias = logitBias
        self.config = config
        self.vision = vision
        self.text = text
        self.logitScale = logitScale
        self.source = source
        self.precision = precision
    }

    /// The image tower, or an error saying it was not loaded.
    public func requireVision() throws -> any ImageTower {
        guard let vision else {
            throw CLIPError.invalidArgument("\(source): the image tower was not loaded (pass towers: .vision)")
        }
        return vision
    }

    /// The text tower, or an error saying it was not loaded.
    public func requireText() throws -> any TextTower {
        guard let text else {
            throw CLIPError.invalidArgument("\(source): the text tower was not loaded (pass towers: .text)")
        }
        return text
    }

    /// `logitScale · imageᵀ·text (+ logitBias)` for normalised embeddings: `[images, texts]`, as
    /// `logits_per_image`.
    public func logits(images: Tensor, texts: Tensor) -> [[Float]] {
        let d = images.shape[1]
        return (0..<images.shape[0]).map { i in
            (0..<texts.shape[0]).map { j in
                var dot: Float = 0
                for k in 0..<d { dot += images.data[i * d + k] * texts.data[j * d + k] }
                return logitScale * dot + (logitBias ?? 0)
            }
        }
    }
}
