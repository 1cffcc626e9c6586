import Foundation

/// Ranking and filtering images by prompts: aesthetic ranking ("a beautiful photo"), moderation
/// ("a photo containing violence" versus "a harmless photo"), or any property a prompt can name.
public struct PromptRanking: Sendable {
    /// What a score is.
    public enum Scoring: String, Sendable {
        /// CLIP, one prompt: the cosine similarity (−1…1; its scale differs from model to model).
        case cosine
        /// SigLIP, one prompt: `σ(logit_scale · cos + logit_bias)`, the model's own probability (0…1) that
        /// the image and the prompt belong together — 0.5 is the model's "yes", whatever the model.
        case sigmoid
        /// Either family with an opposing prompt: `softmax(logit_scale · [cos(prompt), cos(versus)])[0]`,
        /// the probability the prompt fits better (SigLIP's bias is the same for both and cancels).
        case versus
    }

    /// The prompt's normalised text embedding.
    public let prompt: [Float]
    /// An opposing prompt: scores become `P(prompt | {prompt, versus})` = softmax over the two.
    public let versus: [Float]?
    public let logitScale: Float
    /// SigLIP's `logit_bias`; nil for CLIP's softmax models.
    public let logitBias: Float?

    public init(prompt: [Float], versus: [Float]? = nil, logitScale: Float, logitBias: Float? = nil) {
        self.prompt = prompt
        self.versus = versus
        self.logitScale = logitScale
        self.logitBias = logitBias
    }

    public var scoring: Scoring { versus != nil ? .versus : logitBias != nil ? .sigmoid : .cosine }

    /// One score per image row of `images` `[N, D]`: as `scoring` says.
    public func scores(_ images: Tensor) -> [Float] {
        let prompts = Tensor(shape: [versus == nil ? 1 : 2, prompt.count], values: prompt + (versus ?? []))
        let cos = Similarity.dotProducts(images, prompts)
        return (0..<images.shape[0]).map { score(cosines: cos.row($0)) }
    }

    /// One image's score from its cosines to `[prompt]` or `[prompt, versus]`.
    public func score(cosines: [Float]) -> Float {
        switch scoring {
        case .cosine: return cosines[0]
        case .sigmoid: return 1 / (1 + expf(-(logitScale * cosines[0] + (logitBias ?? 0))))
        case .versus: return Similarity.softmax(cosines, scale: logitScale)[0]
        }
    }

    /// The text embeddings the cosines are taken with: the prompt, then the opposing prompt if any.
    public var queries: [[Float]] { [prompt] + (versus.map { [$0] } ?? []) }

    /// Indices of `images` by descending score, keeping those at or above `threshold`.
    public func ranked(_ images: Tensor, threshold: Float? = nil) -> [(index: Int, score: Float)] {
        ranked(scores: scores(images), threshold: threshold)
    }

    /// Indices of images by descending score (ties in index order), keeping those at or above `threshold`:
    /// `cosines` holds each image's cosines to `queries`, one row per image (a library's store computes
    /// them).
    public func ranked(cosines: [Float], threshold: Float? = nil) -> [(index: Int, score: Float)] {
        let q = queries.count
        let images = q == 0 ? 0 : cosines.count / q
        return ranked(
            scores: (0..<images).map { score(cosines: Array(cosines[($0 * q)..<(($0 + 1) * q)])) }, threshold: threshold
        )
    }

    /// The one ordering `clip rank` and a library's `/v1/rank` share.
    private func ranked(scores: [Float], threshold: Float?) -> [(index: Int, score: Float)] {
        scores.enumerated().map { (index: $0.offset, score: $0.element) }
            .filter { threshold == nil || $0.score >= threshold! }
            .sorted { $0.score > $1.score || ($0.score == $1.score && $0.index < $1.index) }
    }
}
