import CLIP
import Foundation

/// A loaded model as the server serves it: its name for clients, and one batcher per tower. Images are
/// decoded before they join a batch, on Dispatch's threads (never Swift's cooperative pool).
public final class ServedModel: Sendable {
    public let name: String
    /// The Immich model names (`ViT-B-32__openai`) these weights are, for `/predict` (`ImmichModels`).
    public let immichNames: [String]
    public let loaded: LoadedModel
    /// Token ids in (tokenized by the request handler, which also counts them for `usage`).
    public let text: EmbeddingBatcher<[Int32]>
    public let image: EmbeddingBatcher<Tensor>?
    let preprocessor: ImagePreprocessor?
    let tokenizer: any TextTokenizer
    /// Largest decoded image accepted, checked from the header before decoding.
    let maxPixels: Int

    public struct Batching: Sendable {
        public var text: EmbeddingBatcher<[Int32]>.Configuration
        public var image: EmbeddingBatcher<Tensor>.Configuration
        public init(
            text: EmbeddingBatcher<[Int32]>.Configuration = .init(maxBatch: 32, maxDelay: 0.002),
            image: EmbeddingBatcher<Tensor>.Configuration = .init(maxBatch: 32, maxDelay: 0.005)
        ) {
            self.text = text
            self.image = image
        }
    }

    /// Each of `immichNames` must have Immich's dimension: a mismatch means other weights, refused.
    public init(
        name: String, loaded: LoadedModel, immichNames: [String] = [], batching: Batching = Batching(),
        maxPixels: Int = DecodeOptions().maxPixels
    ) throws {
        let dimension = loaded.model.config.embedDim
        for immich in immichNames {
            let expected = ImmichModels.entry(for: immich)?.dimension
            guard expected == dimension else {
                throw CLIPError.invalidArgument(
                    "\(name) gives \(dimension)-dimensional embeddings, but Immich's \(immich) has "
                        + "\(expected.map(String.init) ?? "no entry"): these are not its weights")
            }
        }
        self.name = name
        self.immichNames = immichNames
        self.loaded = loaded
        self.maxPixels = maxPixels
        tokenizer = try loaded.tokenizer()
        let textTower = try loaded.model.requireText()
        text = EmbeddingBatcher(configuration: batching.text, name: "clip-text-batcher") { sequences in
            Self.rows(sequences.count) { try textTower.embed(tokens: sequences) }
        }
        if let vision = loaded.model.vision {
            let embedder = try loaded.imageEmbedder()
            preprocessor = embedder.preprocessor
            let size = vision.imageSize, plane = 3 * size * size
            image = EmbeddingBatcher(configuration: batching.image, name: "clip-image-batcher") { inputs in
                let batch = Tensor(uninitialized: [inputs.count, 3, size, size])
                for (i, input) in inputs.enumerated() {
                    (batch.data + i * plane).update(from: input.data, count: plane)
                }
                return Self.rows(inputs.count) { try vision.embed(pixels: batch) }
            }
        } else {
            preprocessor = nil
            image = nil
        }
    }

    /// One pass's rows as per-input results (a failing pass fails each of its inputs).
    private static func rows(_ count: Int, _ embed: () throws -> Tensor) -> [Result<[Float], Error>] {
        do {
            let embedded = try embed()
            return (0..<count).map { .success(embedded.row($0)) }
        } catch {
            return Array(repeating: .failure(error), count: count)
        }
    }

    public var dimension: Int { loaded.model.config.embedDim }

    /// The most characters a text may have. The model reads its first 77 (SigLIP: 64) tokens, a few hundred
    /// characters; tokenizing all of a 15 MB text took 2 s and 370 MB before the rest was thrown away, and
    /// eight at once slowed `/healthz` to seconds.
    static let maxTextCharacters = 10_000

    /// Refuses a text of more than `limit` characters, naming it (`param`, or `param[i]` among several).
    func checkLengths(_ texts: [String], param: String, limit: Int = ServedModel.maxTextCharacters) throws {
        // Counted in Unicode scalars, not Characters: one Character can hold millions of combining marks.
        // utf8.count is O(1) and never below the scalar count, so only a long text is counted, and only up
        // to the limit: counting all of a 15 MB text held a cooperative thread for tens of milliseconds.
        for (i, text) in texts.enumerated()
        where text.utf8.count > limit && !text.unicodeScalars.dropFirst(limit).isEmpty {
            let name = texts.count == 1 ? param : "\(param)[\(i)]"
            throw APIError.badRequest(
                """
                    \(name) has more than \(limit) characters (\(text.utf8.count) bytes); this server takes at most \
                    \(limit) (the model reads its first \(loaded.model.config.text.contextLength) tokens)
                    """,
                param: param, code: "text_too_long")
        }
    }

    /// Each text's token ids (SOT … EOT, truncated at the context) and how many tokens they hold (for
    /// `usage`). A text over `maxTextCharacters` is a 400 naming it: `param`, or `param[i]` among several.
    func tokenize(_ texts: [String], param: String) async throws -> (ids: [[Int32]], count: Int) {
        try checkLengths(texts, param: param)
        // Off the cooperative threads when there is much of it (256 texts of 10,000 characters are
        // milliseconds each); a few prompts cost less than the hop to another thread.
        let tokenizer = tokenizer
        let bytes = texts.reduce(0) { $0 + $1.utf8.count }
        let ids = bytes <= 16 << 10 ? tokenizer.ids(texts) : try await Blocking.run { tokenizer.ids(texts) }
        let count = ids.reduce(0) { $0 + ($1.lastIndex(where: { $0 != 0 }) ?? 0) + 1 }
        return (ids, count)
    }

    /// An image decoded and preprocessed for the model, with its decoded size (EXIF orientation applied).
    struct PreparedImage {
        let pixels: Tensor
        let width: Int
        let height: Int
    }

    /// Decodes and preprocesses encoded images off the cooperative pool: one model input or one error each.
    /// `likeTheLibrary`: decode as library indexing decodes (a large JPEG at a reduced DCT scale, at least 2× the
    /// input), so a photo from the library searched by upload scores 1.0 against itself, not 0.999.
    func prepareImages(_ images: [Data], likeTheLibrary: Bool = false) async -> [Result<PreparedImage, CLIPError>] {
        guard let preprocessor else {
            return images.map { _ in .failure(.invalidArgument("this server has no image tower")) }
        }
        let size = preprocessor.config.size
        let options = DecodeOptions(maxPixels: maxPixels, jpegScaledShortSide: likeTheLibrary ? 2 * size : nil)
        return
            (try? await Blocking.run {
                images.enumerated().map { i, data -> Result<PreparedImage, CLIPError> in
                    do {
                        let decoded = try ImageDecoder.decode(data, name: "input[\(i)]", options: options)
                        let tensor = Tensor(uninitialized: [3, size, size])
                        preprocessor.write(decoded, into: tensor.data)
                        return .success(PreparedImage(pixels: tensor, width: decoded.width, height: decoded.height))
                    } catch let error as CLIPError {
                        return .failure(error)
                    } catch {
                        return .failure(.input(file: "input[\(i)]", reason: "\(error)"))
                    }
                }
            }) ?? []
    }

    /// Each text's embedding through the text batcher (the native API's queries and labels).
    func embedTexts(_ texts: [String], param: String) async throws -> [[Float]] {
        try await embed(tokens: tokenize(texts, param: param).ids)
    }

    /// Each token sequence's embedding through the text batcher.
    func embed(tokens: [[Int32]]) async throws -> [[Float]] {
        try Self.vectors(try await Self.batched { try await self.text.embed(tokens) })
    }

    /// Each image's embedding through the image batcher; an image that cannot be used is a 400 naming it
    /// (`names[i]`, e.g. `input[2]`) in the field `param`.
    func embedImages(_ images: [Data], names: [String], param: String, likeTheLibrary: Bool = false) async throws
        -> [[Float]]
    {
        guard let batcher = image else {
            throw APIError.badRequest("this server was started without the image tower", param: param)
        }
        var pixels: [Tensor] = []
        for (i, prepared) in await prepareImages(images, likeTheLibrary: likeTheLibrary).enumerated() {
            switch prepared {
            case let .success(prepared): pixels.append(prepared.pixels)
            case let .failure(error):
                throw APIError.badRequest("\(names[i]): \(error.inputReason)", param: param, code: "invalid_image")
            }
        }
        return try Self.vectors(try await Self.batched { try await batcher.embed(pixels) })
    }

    /// Maps the batchers' refusals to 429 / 504.
    private static func batched(_ body: () async throws -> [Result<[Float], Error>]) async throws -> [Result<
        [Float], Error
    >] {
        do {
            return try await body()
        } catch let refusal as BatcherError {
            throw APIError(refusal: refusal)
        }
    }

    private static func vectors(_ results: [Result<[Float], Error>]) throws -> [[Float]] {
        try results.map { result in
            guard case let .success(vector) = result else {
                throw APIError(.internalServerError, "the model failed", type: "server_error")
            }
            return vector
        }
    }

    /// Finishes queued requests and stops the batchers' threads.
    public func shutdown() {
        text.shutdown()
        image?.shutdown()
    }

    deinit { shutdown() }
}
