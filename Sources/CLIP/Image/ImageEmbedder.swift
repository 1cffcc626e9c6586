import Foundation

/// Files → pixels → model input → embeddings, in batches, decoding each batch's images in parallel.
public struct ImageEmbedder: Sendable {
    public let vision: any ImageTower
    public let preprocessor: ImagePreprocessor
    public let options: DecodeOptions
    public let batchSize: Int

    public init(
        vision: any ImageTower, preprocessor: ImagePreprocessor, options: DecodeOptions = DecodeOptions(),
        batchSize: Int = 32
    ) {
        self.vision = vision
        self.preprocessor = preprocessor
        self.options = options
        self.batchSize = batchSize
    }

    /// One batch decoded and preprocessed, with the files that failed.
    private struct DecodedBatch: @unchecked Sendable {
        let input: Tensor
        let errors: [CLIPError?]
    }

    private final class Pending: @unchecked Sendable {
        var batch: DecodedBatch?
    }

    private func decode(_ batch: [String]) -> DecodedBatch {
        let size = preprocessor.config.size, plane = 3 * size * size
        let input = Tensor(uninitialized: [batch.count, 3, size, size])
        var errors = [CLIPError?](repeating: nil, count: batch.count)
        errors.withUnsafeMutableBufferPointer { errs in
            Parallelism.forEachChunk(batch.count) { range in
                for i in range {
                    do {
                        preprocessor.write(
                            try ImageDecoder.decode(file: batch[i], options: options), into: input.data + i * plane)
                    } catch let error as CLIPError {
                        errs[i] = error
                    } catch {
                        errs[i] = .input(file: batch[i], reason: "\(error)")
                    }
                }
            }
        }
        return DecodedBatch(input: input, errors: errors)
    }

    private func embed(_ decoded: DecodedBatch) throws -> [Result<[Float], CLIPError>] {
        let size = preprocessor.config.size, plane = 3 * size * size
        let good = decoded.errors.indices.filter { decoded.errors[$0] == nil }
        var modelInput = decoded.input
        if good.count < decoded.errors.count {
            // Only the images that decoded go to the model, packed to the front.
            modelInput = Tensor(uninitialized: [good.count, 3, size, size])
            for (row, i) in good.enumerated() {
                (modelInput.data + row * plane).update(from: decoded.input.data + i * plane, count: plane)
            }
        }
        let embedded = good.isEmpty ? Tensor(zeros: [0, vision.embedDim]) : try vision.embed(pixels: modelInput)
        var row = 0
        return decoded.errors.map { error in
            if let error { return .failure(error) }
            defer { row += 1 }
            return .success(embedded.row(row))
        }
    }

    /// Per-file results: an embedding row or the error that stopped that file. One bad file never stops the rest.
    /// The next batch is decoded while the model runs on the current one. `progress` is told how many
    /// files are done after each batch. A small `firstBatch` makes the first report come early, so a progress
    /// line shows a count and a rate within a second, not after a whole batch (embeddings do not depend on
    /// how files are batched).
    public func embedEach(files: [String], firstBatch: Int? = nil, progress: ((Int) -> Void)? = nil) throws -> [Result<
        [Float], CLIPError
    >] {
        let first = min(files.count, batchSize, firstBatch ?? batchSize)
        let batches =
            [Array(files[0..<first])].filter { !$0.isEmpty }
            + stride(from: first, to: files.count, by: batchSize).map {
                Array(files[$0..<min(files.count, $0 + batchSize)])
            }
        var results: [Result<[Float], CLIPError>] = []
        let inFlight = DispatchGroup()
        defer { inFlight.wait() }  // never leave a decode running past an error
        func decodeInBackground(_ index: Int) -> Pending {
            let pending = Pending()
            inFlight.enter()
            DispatchQueue.global(qos: .userInitiated).async {
                pending.batch = self.decode(batches[index])
                inFlight.leave()
            }
            return pending
        }
        var next = batches.isEmpty ? nil : decodeInBackground(0)
        for index in batches.indices {
            inFlight.wait()
            let current = next!.batch!
            next = index + 1 < batches.count ? decodeInBackground(index + 1) : nil
            results += try embed(current)
            progress?(results.count)
        }
        return results
    }

    /// What a batch job wants: the embeddings `[M, D]` of the M files that could be used, their paths
    /// (with their index in `files`), and one error per file that could not.
    public func embedAvailable(files: [String], firstBatch: Int? = nil, progress: ((Int) -> Void)? = nil) throws
        -> (embeddings: Tensor, used: [(index: Int, path: String)], failures: [CLIPError])
    {
        let results = try embedEach(files: files, firstBatch: firstBatch, progress: progress)
        var used: [(index: Int, path: String)] = [], failures: [CLIPError] = []
        for (i, r) in results.enumerated() {
            switch r {
            case .success: used.append((i, files[i]))
            case let .failure(error): failures.append(error)
            }
        }
        let d = vision.embedDim
        let out = Tensor(uninitialized: [used.count, d])
        for (row, item) in used.enumerated() {
            if case let .success(v) = results[item.index] { (out.data + row * d).update(from: v, count: d) }
        }
        return (out, used, failures)
    }

    /// All files' embeddings `[N, D]`, or one error listing every file that failed.
    public func embed(files: [String]) throws -> Tensor {
        let (embeddings, _, failures) = try embedAvailable(files: files)
        guard failures.isEmpty else {
            throw CLIPError.invalidArgument(
                "\(failures.count) of \(files.count) images could not be used:\n  "
                    + failures.map(\.description).joined(separator: "\n  "))
        }
        return embeddings
    }
}
