import CLIP
import CLIPTraining
import Foundation

/// The smallest change to an image's pixels that changes a ViT's zero-shot prediction, found with the
/// gradient of the logit margin `logit(target) − logit(predicted)` with respect to the 8-bit pixels, through
/// the image tower's backward pass (`CLIPTraining`'s kernels):
/// - **k pixels**: one pixel at a time, the not-yet-changed pixel whose channels, each pushed to 0 or 255 by
///   the sign of its gradient, gain the most margin (first-order), until the prediction changes or `k`
///   pixels have changed;
/// - **L∞ (PGD)**: for budgets ε = 1, 2, 4 … levels and the budget itself, signed-gradient steps of max(1, ε/4) levels
/// projected
///   onto the ε-box (and 0…255), until the prediction changes.
/// Every candidate is rounded to 8 bits before it is judged, and a flip counts only when the model's own
/// inference path (fp32 kernels, the preprocessing's normalisation) agrees, so a saved picture reproduces it.
public final class AdversarialAttack {
    public enum Mode: String, CaseIterable, Sendable {
        case kPixel = "k-pixel"
        case linf
    }

    public struct Outcome: Sendable {
        public let adversarial: PixelImage
        public let flipped: Bool
        /// Label indices: the clean prediction, the target pushed towards, the prediction after.
        public let original: Int, target: Int, predicted: Int
        /// Pixels whose value changed (any channel), the gradient steps taken, and the largest change in levels.
        public let changedPixels: Int, steps: Int, linf: Int
    }

    let trainable: TrainableCLIP
    let model: LabModel
    let classifier: ZeroShotClassifier
    let config: PreprocessConfig

    public init(model: LabModel, classifier: ZeroShotClassifier) throws {
        // The weights file the model was loaded from (transformers' or open_clip's layout), read again into
        // the training kernels' layout.
        _ = try model.loaded.model.config.requireViT(
            for: "the adversarial experiment (it runs the ViT training kernels' backward pass)")
        let weights = URL(fileURLWithPath: model.loaded.model.source)
        guard weights.pathExtension == "safetensors" else {
            throw CLIPError.invalidArgument(
                """
                the adversarial experiment reads the model's safetensors file; \(model.loaded.id) came from \
                \(weights.path)
                """
            )
        }
        trainable = try TrainableCLIP(config: model.loaded.model.config)
        try trainable.loadCheckpoint(from: weights)
        self.model = model
        self.classifier = classifier
        config = model.preprocessor.config
    }

    private var size: Int { config.size }

    /// The normalised `[1, 3, S, S]` tensor of an 8-bit image, as the model's preprocessing makes it.
    func tensor(_ image: PixelImage) -> Tensor {
        let t = Tensor(uninitialized: [1, 3, size, size])
        model.preprocessor.writeNormalized(image, into: t.data)
        return t
    }

    /// Logits through the training kernels (`scale · cos` to each label's text embedding).
    func logits(_ embedding: [Float]) -> [Float] {
        Similarity.dotProducts(Tensor(shape: [1, embedding.count], values: embedding), classifier.classEmbeddings).row(
            0
        ).map { classifier.logitScale * $0 }
    }

    /// The gradient of `logit(target) − logit(source)` per 8-bit value (HWC order), and the current logits.
    func marginGradient(_ image: PixelImage, target: Int, source: Int) throws -> (gradient: [Float], logits: [Float]) {
        let d = classifier.classEmbeddings.shape[1], e = classifier.classEmbeddings.data
        let dEmbedding = (0..<d).map { classifier.logitScale * (e[target * d + $0] - e[source * d + $0]) }
        let (embedding, dPixels) = try trainable.imageGradient(pixels: tensor(image), dEmbeddings: dEmbedding)
        let plane = size * size
        var g = [Float](repeating: 0, count: 3 * plane)
        for c in 0..<3 {
            let source = config.channelOrder == .rgb ? c : 2 - c
            let scale = 1 / (255 * (config.normalize ? config.std[c] : 1))
            for i in 0..<plane { g[i * 3 + source] += dPixels.data[c * plane + i] * scale }
        }
        return (g, logits(embedding))
    }

    /// The prediction through the model's inference path (what a saved picture gets).
    func inferencePrediction(_ image: PixelImage) throws -> Int {
        let embedding = try model.embed(count: 1) { _ in image }[0]
        return classifier.top(1, Tensor(shape: [1, embedding.count], values: embedding))[0][0].index
    }

    static func argmax(_ v: [Float], excluding: Int? = nil) -> Int {
        v.indices.filter { $0 != excluding }.max { v[$0] < v[$1] }!
    }

    /// Attacks `image` (RGB at the input size) in `mode`; `budget`: k pixels, or the largest ε in levels.
    public func attack(_ image: PixelImage, mode: Mode, budget: Int, maxSteps: Int = 40) throws -> Outcome {
        let original = try inferencePrediction(image)
        let cleanLogits = logits(try trainable.imageEmbeddings(pixels: tensor(image)))
        let target = Self.argmax(cleanLogits, excluding: original)
        switch mode {
        case .kPixel: return try kPixels(image, original: original, target: target, k: budget)
        case .linf:
            return try projectedGradient(
                image, original: original, target: target, maxEpsilon: budget, maxSteps: maxSteps)
        }
    }

    private func kPixels(_ image: PixelImage, original: Int, target initialTarget: Int, k: Int) throws -> Outcome {
        var current = image, changed = Set<Int>(), target = initialTarget, steps = 0
        // Whether `current` has a new pixel not yet judged: the next gradient's forward pass judges it.
        var changedSinceCheck = false
        while true {
            let (g, now) = try marginGradient(current, target: target, source: original)
            if changedSinceCheck {
                changedSinceCheck = false
                if Self.argmax(now) != original, try inferencePrediction(current) != original { break }
                if changed.count >= k { break }
            }
            steps += 1
            // Follow whichever other label is now closest.
            let runnerUp = Self.argmax(now, excluding: original)
            if runnerUp != target {
                target = runnerUp
                continue
            }
            var best = -1, bestGain: Float = 0
            for p in 0..<(size * size) where !changed.contains(p) {
                var gain: Float = 0
                for c in 0..<3 {
                    let v = g[3 * p + c], x = Float(current.pixels[3 * p + c])
                    gain += v > 0 ? v * (255 - x) : -v * x
                }
                if gain > bestGain {
                    bestGain = gain
                    best = p
                }
            }
            guard best >= 0 else { break }
            for c in 0..<3 { current.pixels[3 * best + c] = g[3 * best + c] > 0 ? 255 : 0 }
            changed.insert(best)
            changedSinceCheck = true
        }
        return try outcome(image, current, original: original, target: target, steps: steps)
    }

    private func projectedGradient(
        _ image: PixelImage, original: Int, target initialTarget: Int, maxEpsilon: Int, maxSteps: Int
    ) throws -> Outcome {
        var steps = 0, target = initialTarget
        var best = image
        // ε = 1, 2, 4 … and the budget itself last.
        let budgets = Array(sequence(first: 1) { $0 * 2 }.prefix { $0 < maxEpsilon }) + [maxEpsilon]
        for epsilon in budgets {
            var x = image.pixels.map(Float.init)
            let step = Float(max(1, epsilon / 4))
            for _ in 0..<maxSteps {
                var current = image
                current.pixels = x.map { UInt8(max(0, min(255, $0.rounded()))) }
                let (g, now) = try marginGradient(current, target: target, source: original)
                steps += 1
                let runnerUp = Self.argmax(now, excluding: original)
                if runnerUp != target { target = runnerUp }
                if Self.argmax(now) != original, try inferencePrediction(current) != original {
                    return try outcome(image, current, original: original, target: target, steps: steps)
                }
                for i in x.indices {
                    let lo = Float(image.pixels[i]) - Float(epsilon), hi = Float(image.pixels[i]) + Float(epsilon)
                    x[i] = min(max(x[i] + (g[i] > 0 ? step : g[i] < 0 ? -step : 0), max(lo, 0)), min(hi, 255))
                }
                best = current
            }
        }
        return try outcome(image, best, original: original, target: target, steps: steps)
    }

    private func outcome(_ clean: PixelImage, _ adversarial: PixelImage, original: Int, target: Int, steps: Int) throws
        -> Outcome
    {
        let predicted = try inferencePrediction(adversarial)
        var changed = 0, linf = 0
        for p in 0..<(size * size) {
            var differs = false
            for c in 0..<3 {
                let d = abs(Int(adversarial.pixels[3 * p + c]) - Int(clean.pixels[3 * p + c]))
                linf = max(linf, d)
                differs = differs || d > 0
            }
            if differs { changed += 1 }
        }
        return Outcome(
            adversarial: adversarial, flipped: predicted != original, original: original, target: target,
            predicted: predicted,
            changedPixels: changed, steps: steps, linf: linf)
    }

    /// `|adversarial − clean|` scaled so the largest change is white (a black picture when nothing changed).
    public static func differenceMap(_ clean: PixelImage, _ adversarial: PixelImage) -> PixelImage {
        let diffs = zip(clean.pixels, adversarial.pixels).map { abs(Int($0) - Int($1)) }
        let top = max(diffs.max() ?? 0, 1)
        var out = clean
        out.pixels = diffs.map { UInt8(min(255, $0 * 255 / top)) }
        return out
    }
}
