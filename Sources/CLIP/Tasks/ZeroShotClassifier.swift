/// Zero-shot classification as in the CLIP paper: each label becomes the average of its normalised
/// prompt embeddings over the templates (renormalised), and an image's class probabilities are
/// `softmax(logitScale · cos(image, class))`.
public struct ZeroShotClassifier: Sendable {
    public let labels: [String]
    /// `[labels, D]`, L2-normalised.
    public let classEmbeddings: Tensor
    public let logitScale: Float

    public struct Prediction: Sendable, Equatable {
        public let label: String
        public let index: Int
        public let probability: Float
    }

    /// Embeds every label × template prompt with `text` (batched by length) and ensembles per label.
    /// `progress` is told how many of the prompts are embedded after each batch.
    public init(text: TextTransformer, tokenizer: Tokenizer, labels: [String], templates: [String], logitScale: Float,
                batchSize: Int = 256, progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws {
        guard !labels.isEmpty else { throw CLIPError.invalidArgument("zero-shot classification needs at least one label") }
        guard !templates.isEmpty else { throw CLIPError.invalidArgument("zero-shot classification needs at least one template") }
        let prompts = labels.flatMap { label in templates.map { PromptTemplates.fill($0, with: label) } }
        let tokens = tokenizer.encode(prompts).map(\.ids)
        let d = text.embedDim
        let sums = Tensor(zeros: [labels.count, d])
        var start = 0
        while start < tokens.count {
            let end = min(tokens.count, start + batchSize)
            let embedded = try text.embed(tokens: Array(tokens[start..<end]))
            for i in start..<end {
                let row = sums.data + (i / templates.count) * d, e = embedded.data + (i - start) * d
                for k in 0..<d { row[k] += e[k] }
            }
            start = end
            progress?(end, tokens.count)
        }
        Similarity.normalizeRows(sums)
        self.init(labels: labels, classEmbeddings: sums, logitScale: logitScale)
    }

    /// From class embeddings already computed (normalised rows, one per label).
    public init(labels: [String], classEmbeddings: Tensor, logitScale: Float) {
        precondition(classEmbeddings.shape == [labels.count, classEmbeddings.shape.last ?? 0], "one embedding row per label")
        self.labels = labels; self.classEmbeddings = classEmbeddings; self.logitScale = logitScale
    }

    /// Class probabilities `[images][labels]` for normalised image embeddings `[N, D]`.
    public func probabilities(_ images: Tensor) -> [[Float]] {
        let scores = Similarity.dotProducts(images, classEmbeddings)
        return (0..<images.shape[0]).map { Similarity.softmax(scores.row($0), scale: logitScale) }
    }

    /// The `k` most probable labels for each image, best first.
    public func top(_ k: Int, _ images: Tensor) -> [[Prediction]] {
        probabilities(images).map { p in
            p.indices.sorted { p[$0] > p[$1] }.prefix(k).map { Prediction(label: labels[$0], index: $0, probability: p[$0]) }
        }
    }
}
