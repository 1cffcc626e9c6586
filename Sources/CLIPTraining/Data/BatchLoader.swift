import CLIP
import Foundation

/// One training batch: pixels `[n, 3, S, S]`, token ids `[n, context]`, and the images that failed to
/// decode (left out of the batch).
public struct TrainingBatch: @unchecked Sendable {
    public let pixels: Tensor
    public let tokens: [Int32]
    public let failures: [(file: String, reason: String)]
    public var count: Int { pixels.shape[0] }
}

/// Batches in a seeded order: epoch e visits the pairs in a permutation drawn from (seed, e), the last
/// partial batch is dropped, and each item's crop is drawn from (seed, step, item). So step s always
/// sees the same batch, which is what lets a resumed run retrace the interrupted one. The next batch is
/// decoded on a background thread while the current one trains.
public final class BatchLoader: @unchecked Sendable {
    public let data: CaptionedImages
    public let batchSize: Int
    public let seed: UInt64
    private let tokenizer: Tokenizer
    private let preprocessor: ImagePreprocessor
    private let crop: RandomResizedCrop?
    private var pending: (step: Int, job: PendingBatch)?
    private let queue = DispatchQueue(label: "clip.train.loader")

    public init(
        data: CaptionedImages, batchSize: Int, imageSize: Int, contextLength: Int, seed: UInt64,
        crop: RandomResizedCrop? = RandomResizedCrop()
    ) throws {
        guard batchSize >= 2 else {
            throw CLIPError.invalidArgument(
                "batch size \(batchSize): a contrastive loss needs at least 2 pairs per batch")
        }
        guard data.count >= batchSize else {
            throw CLIPError.invalidArgument("batch size \(batchSize) is larger than the \(data.count) training pairs")
        }
        self.data = data
        self.batchSize = batchSize
        self.seed = seed
        self.crop = crop
        tokenizer = try Tokenizer.forModel(at: nil, contextLength: contextLength)
        preprocessor = ImagePreprocessor(config: PreprocessConfig(size: imageSize, resizeMode: .squash))
    }

    public var stepsPerEpoch: Int { data.count / batchSize }

    /// The pair indices of step `step`.
    public func indices(ofStep step: Int) -> [Int] {
        let epoch = step / stepsPerEpoch, within = step % stepsPerEpoch
        var random = SeedStream(seed: seed &* 0x5851_F42D_4C95_7F2D &+ UInt64(epoch))
        var order = Array(0..<data.count)
        order.shuffle(using: &random)
        return Array(order[(within * batchSize)..<((within + 1) * batchSize)])
    }

    /// The batch of `step`, prepared in the background when it was the one after the previous call.
    public func batch(step: Int) throws -> TrainingBatch {
        let result: Result<TrainingBatch, Error>
        if let pending, pending.step == step {
            pending.job.done.wait()
            result = pending.job.result!
        } else {
            if let pending { pending.job.done.wait() }  // never leave a worker writing behind us
            result = Result { try make(step: step) }
        }
        let job = PendingBatch()
        pending = (step + 1, job)
        queue.async { [self] in
            job.result = Result { try make(step: step + 1) }
            job.done.signal()
        }
        return try result.get()
    }

    func make(step: Int) throws -> TrainingBatch {
        let picks = indices(ofStep: step)
        let size = preprocessor.config.size
        var images: [PixelImage] = [], tokens: [Int32] = [], failures: [(String, String)] = []
        for (k, i) in picks.enumerated() {
            var random = SeedStream(seed: seed ^ (UInt64(step) << 20) ^ UInt64(k) &* 0x9E37_79B9)
            do {
                var image = try ImageDecoder.decode(file: data.images[i]).convertedToRGB()
                if let crop { image = crop.apply(image, using: &random) }
                images.append(preprocessor.prepare(image))
                tokens += tokenizer.encode(data.captions[i]).ids
            } catch {
                failures.append((data.images[i], "\(error)"))
            }
        }
        let pixels = Tensor(uninitialized: [images.count, 3, size, size])
        for (k, image) in images.enumerated() { preprocessor.write(image, into: pixels.data + k * 3 * size * size) }
        return TrainingBatch(pixels: pixels, tokens: tokens, failures: failures)
    }
}

/// A batch being decoded in the background; `result` is written before `done` is signalled.
private final class PendingBatch: @unchecked Sendable {
    var result: Result<TrainingBatch, Error>?
    let done = DispatchSemaphore(value: 0)
}
