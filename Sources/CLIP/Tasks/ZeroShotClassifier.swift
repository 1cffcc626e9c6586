import Foundation

/// Zero-shot classification as in the CLIP paper: each label becomes the average of its normalised
/// prompt embeddings over the templates (renormalised), and an image's class probabilities are
/// `softmax(logitScale · cos(image, class))`. A SigLIP model (one with a `logitBias`) scores each label on
/// its own, as it was trained: `sigmoid(logitScale · cos + logitBias)`; those do not sum to 1, and every
/// label can be likely or none.
public struct ZeroShotClassifier: Sendable {
    public let labels: [String]
    /// `[labels, D]`, L2-normalised.
    public let classEmbeddings: Tensor
    public let logitScale: Float
    /// SigLIP's bias: probabilities are per-label sigmoids; nil: a softmax across the labels.
    public let logitBias: Float?

    public struct Prediction: Sendable, Equatable {
        public let label: String
        public let index: Int
        public let probability: Float
    }

    /// Embeds every label × template prompt with `text` (batched by length) and ensembles per label.
    /// `progress` is told how many of the prompts are embedded after each batch.
    public init(
        text: any TextTower, tokenizer: any TextTokenizer, labels: [String], templates: [String], logitScale: Float,
        logitBias: Float? = nil, batchSize: Int = 256, progress: ((_ done: Int, _ total: Int) -> Void)? = nil
    ) throws {
        guard !labels.isEmpty else {
            throw CLIPError.invalidArgument("zero-shot classification needs at least one label")
        }
        guard !templates.isEmpty else {
            throw CLIPError.invalidArgument("zero-shot classification needs at least one template")
        }
        let tokens = tokenizer.ids(Self.prompts(labels: labels, templates: templates))
        let d = text.embedDim
        let sums = Tensor(zeros: [labels.count, d])
        var start = 0
        while start < tokens.count {
            let end = min(tokens.count, start + batchSize)
            let embedded = try text.embed(tokens: Array(tokens[start..<end]))
            for i in start..<end {
                Self.accumulate(embedded.data + (i - start) * d, into: sums, prompt: i, templates: templates.count)
            }
            start = end
            progress?(end, tokens.count)
        }
        Similarity.normalizeRows(sums)
        self.init(labels: labels, classEmbeddings: sums, logitScale: logitScale, logitBias: logitBias)
    }

    /// Every label × template prompt, label-major: the order `init(labels:templates:promptEmbeddings:…)` expects.
    public static func prompts(labels: [String], templates: [String]) -> [String] {
        labels.flatMap { label in templates.map { PromptTemplates.fill($0, with: label) } }
    }

    /// From the prompts' embeddings computed elsewhere (a server's text batcher), one per `prompts(…)`.
    public init(
        labels: [String], templates: Int, promptEmbeddings: [[Float]], logitScale: Float, logitBias: Float? = nil
    ) {
        precondition(promptEmbeddings.count == labels.count * templates, "one embedding per label × template prompt")
        let d = promptEmbeddings.first?.count ?? 0
        let sums = Tensor(zeros: [labels.count, d])
        for (i, embedding) in promptEmbeddings.enumerated() {
            embedding.withUnsafeBufferPointer {
                Self.accumulate($0.baseAddress!, into: sums, prompt: i, templates: templates)
            }
        }
        Similarity.normalizeRows(sums)
        self.init(labels: labels, classEmbeddings: sums, logitScale: logitScale, logitBias: logitBias)
    }

    /// Adds prompt `i`'s embedding to its label's row (prompt ensembling: the mean direction, renormalised later).
    private static func accumulate(_ embedding: UnsafePointer<Float>, into sums: Tensor, prompt i: Int, templates: Int)
    {
        let d = sums.shape[1], row = sums.data + (i / templates) * d
        for k in 0..<d { row[k] += embedding[k] }
    }

    /// From class embeddings already computed (normalised rows, one per label).
    public init(labels: [String], classEmbeddings: Tensor, logitScale: Float, logitBias: Float? = nil) {
        precondition(
            classEmbeddings.shape == [labels.count, classEmbeddings.shape.last ?? 0], "one embedding row per label")
        self.labels = labels
        self.classEmbeddings = classEmbeddings
        self.logitScale = logitScale
        self.logitBias = logitBias
    }

    /// Class probabilities `[images][labels]` for normalised image embeddings `[N, D]`.
    public func probabilities(_ images: Tensor) -> [[Float]] {
        let scores = Similarity.dotProducts(images, classEmbeddings)
        return (0..<images.shape[0]).map { i in
            if let logitBias {
                return scores.row(i).map { (cosine: Float) -> Float in
                    1 / (1 + expf(-(logitScale * cosine + logitBias)))
                }
            }
            return Similarity.softmax(scores.row(i), scale: logitScale)
        }
    }

    /// The `k` most probable labels for each image, best first.
    public func top(_ k: Int, _ images: Tensor) -> [[Prediction]] {
        probabilities(images).map { p in
            p.indices.sorted { p[$0] > p[$1] }.prefix(k).map {
                Prediction(label: labels[$0], index: $0, probability: p[$0])
            }
        }
    }
}
