/// Ranking and filtering images by prompts: aesthetic ranking ("a beautiful photo"), moderation
/// ("a photo containing violence" versus "a harmless photo"), or any property a prompt can name.
public struct PromptRanking: Sendable {
    /// The prompt's normalised text embedding.
    public let prompt: [Float]
    /// An opposing prompt: scores become `P(prompt | {prompt, versus})` = softmax over the two.
    public let versus: [Float]?
    public let logitScale: Float

    public init(prompt: [Float], versus: [Float]? = nil, logitScale: Float) {
        self.prompt = prompt; self.versus = versus; self.logitScale = logitScale
    }

    /// One score per image row of `images` `[N, D]`: the cosine to the prompt, or with `versus` the
    /// probability (0…1) that the prompt fits better than the opposing one.
    public func scores(_ images: Tensor) -> [Float] {
        let prompts = Tensor(shape: [versus == nil ? 1 : 2, prompt.count], values: prompt + (versus ?? []))
        let cos = Similarity.dotProducts(images, prompts)
        return (0..<images.shape[0]).map { score(cosines: cos.row($0)) }
    }

    /// One image's score from its cosines to `[prompt]` or `[prompt, versus]`.
    public func score(cosines: [Float]) -> Float {
        versus == nil ? cosines[0] : Similarity.softmax(cosines, scale: logitScale)[0]
    }

    /// The text embeddings the cosines are taken with: the prompt, then the opposing prompt if any.
    public var queries: [[Float]] { [prompt] + (versus.map { [$0] } ?? []) }

    /// Indices of `images` by descending score, keeping those at or above `threshold`.
    public func ranked(_ images: Tensor, threshold: Float? = nil) -> [(index: Int, score: Float)] {
        scores(images).enumerated().map { (index: $0.offset, score: $0.element) }
            .filter { threshold == nil || $0.score >= threshold! }
            .sorted { $0.score > $1.score }
    }
}
