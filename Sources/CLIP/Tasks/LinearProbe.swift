import Foundation

/// A linear probe on frozen image embeddings, as in the CLIP paper: L2-regularised multinomial logistic
/// regression, `minimise Σᵢ −log softmax(W·xᵢ + b)[yᵢ] + ‖W‖² / (2C)` (scikit-learn's `C`; the bias is not
/// regularised), solved with L-BFGS.
public struct LinearProbe: Sendable {
    public let classes: [String]
    /// `[classes, D]`.
    public let weights: Tensor
    /// `[classes]`.
    public let bias: [Float]
    /// The model whose embeddings it was trained on: its identity (`LoadedModel.id`), and how to load it
    /// again (nil for a probe written before probes recorded it, or trained on features from elsewhere).
    public var modelID: String?
    public var modelSpec: ModelSpec?
    /// The embedding dimension it takes.
    public var dimension: Int { weights.shape[1] }

    public struct TrainingReport: Sendable {
        public let iterations: Int
        public let converged: Bool
        public let objective: Double
    }

    public init(classes: [String], weights: Tensor, bias: [Float], modelID: String? = nil, modelSpec: ModelSpec? = nil)
    {
        precondition(
            weights.shape.count == 2 && weights.shape[0] == classes.count && bias.count == classes.count, "probe shapes"
        )
        self.classes = classes
        self.weights = weights
        self.bias = bias
        self.modelID = modelID
        self.modelSpec = modelSpec
    }

    /// Fits a probe to `features` `[N, D]` with class indices `labels` (into `classes`).
    public static func train(
        features: Tensor, labels: [Int], classes: [String], c: Double = 0.316,
        maxIterations: Int = 1000
    ) throws -> (LinearProbe, TrainingReport) {
        let (n, d, k) = (features.shape[0], features.shape[1], classes.count)
        guard n > 0, labels.count == n else {
            throw CLIPError.invalidArgument(
                "the probe needs one label per feature row (\(labels.count) labels, \(n) rows)")
        }
        guard k >= 2 else { throw CLIPError.invalidArgument("the probe needs at least two classes") }
        guard c > 0 else { throw CLIPError.invalidArgument("C must be positive") }
        guard labels.allSatisfy({ (0..<k).contains($0) }) else {
            throw CLIPError.invalidArgument("a label is outside the class list")
        }
        let x = features.buffer.map(Double.init)
        var solver = LBFGS()
        solver.maxIterations = maxIterations
        let result = solver.minimize(from: [Double](repeating: 0, count: k * (d + 1))) { params, gradient in
            // params: W row-major [k, d], then b [k].
            for i in gradient.indices { gradient[i] = 0 }
            var loss = 0.0
            var logits = [Double](repeating: 0, count: k)
            for row in 0..<n {
                let xr = row * d
                for j in 0..<k {
                    var z = params[k * d + j]
                    let w = j * d
                    for t in 0..<d { z += params[w + t] * x[xr + t] }
                    logits[j] = z
                }
                let top = logits.max()!
                var sum = 0.0
                for j in 0..<k {
                    logits[j] = exp(logits[j] - top)
                    sum += logits[j]
                }
                loss -= log(logits[labels[row]] / sum)
                for j in 0..<k {
                    let delta = logits[j] / sum - (j == labels[row] ? 1 : 0)
                    gradient[k * d + j] += delta
                    let w = j * d
                    for t in 0..<d { gradient[w + t] += delta * x[xr + t] }
                }
            }
            for i in 0..<(k * d) {
                loss += params[i] * params[i] / (2 * c)
                gradient[i] += params[i] / c
            }
            return loss
        }
        let weights = Tensor(shape: [k, d], values: result.x[0..<(k * d)].map(Float.init))
        let probe = LinearProbe(classes: classes, weights: weights, bias: result.x[(k * d)...].map(Float.init))
        return (
            probe, TrainingReport(iterations: result.iterations, converged: result.converged, objective: result.value)
        )
    }

    /// Class probabilities `[N][classes]`.
    public func probabilities(_ features: Tensor) -> [[Float]] {
        let logits = Similarity.dotProducts(features, weights)
        return (0..<features.shape[0]).map { i in
            Similarity.softmax(zip(logits.row(i), bias).map { $0 + $1 }, scale: 1)
        }
    }

    /// The most probable class index for each row.
    public func predict(_ features: Tensor) -> [Int] {
        probabilities(features).map { p in p.indices.max { p[$0] < p[$1] }! }
    }

    /// A safetensors file: `weight` `[classes, D]`, `bias` `[classes]`, class names in the metadata, and the
    /// model when known (`model_id`, and `model`: its `ModelSpec` as JSON).
    public func save(to url: URL) throws {
        let names = String(decoding: try JSONSerialization.data(withJSONObject: classes), as: UTF8.self)
        var metadata = ["format": "swiftclip-linear-probe", "classes": names]
        if let modelID { metadata["model_id"] = modelID }
        if let modelSpec { metadata["model"] = modelSpec.json }
        try SafeTensorsWriter.write(
            [("weight", weights), ("bias", Tensor(shape: [bias.count], values: bias))], metadata: metadata, to: url)
    }

    public static func load(from url: URL) throws -> LinearProbe {
        let file = try SafeTensorsFile(path: url.path)
        guard let names = file.metadata["classes"],
            let classes = try? JSONSerialization.jsonObject(with: Data(names.utf8)) as? [String]
        else {
            throw CLIPError.checkpoint(
                file: url.path, tensor: nil, reason: "not a linear probe: metadata has no 'classes' list")
        }
        let weights = try file.floats("weight"), bias = try file.floats("bias")
        guard weights.shape.count == 2, weights.shape[0] == classes.count, bias.shape == [classes.count] else {
            throw CLIPError.checkpoint(
                file: url.path, tensor: "weight",
                reason: "shapes \(weights.shape) and \(bias.shape) do not fit \(classes.count) classes")
        }
        return LinearProbe(
            classes: classes, weights: Tensor(shape: weights.shape, values: weights.scalars), bias: bias.scalars,
            modelID: file.metadata["model_id"], modelSpec: ModelSpec(json: file.metadata["model"]))
    }
}
