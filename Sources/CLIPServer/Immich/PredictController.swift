import CLIP
import Foundation
import Hummingbird
import Logging

/// Immich's machine-learning API, as Immich's server calls it (`IMMICH_MACHINE_LEARNING_URL`): `POST /predict`
/// with a form of `entries` (JSON naming the task, `{"clip":{"visual":{"modelName":…}}}` or
/// `{"clip":{"textual":{"modelName":…,"options":{"language":…}}}}`) and an `image` file part or a `text`
/// field. The answer is `{"clip":"[…]"}` (the vector as a JSON-array *string*, which Immich stores as is),
/// plus `imageHeight` and `imageWidth` for images. Facial recognition and OCR go to `fallback`, whose answer
/// is merged. Errors are FastAPI's `{"detail": …}`.
struct PredictController<Context: RequestContext> {
    let served: ServedModel
    let maxBody: Int
    /// Answers facial recognition and OCR (`--immich-fallback`); nil: those are refused.
    var fallback: ImmichFallback? = nil
    /// The models that may load on demand (`--models`); nil: only `served`.
    var registry: ModelRegistry? = nil
    let unservedLog = OccasionalLog()

    func addRoutes(to router: some RouterMethods<Context>) {
        router.post("predict") { request, context in
            // Every refusal in FastAPI's shape, `{"detail": …}`, as Immich reads it: those raised here and
            // those of the shared request code (the body limit, the multipart boundary, a text's length).
            do {
                return try await predict(request, logger: context.logger)
            } catch let error as APIError {
                throw error.inFastAPIShape
            } catch let error as HTTPResponseError where error.status == .contentTooLarge {
                throw APIError.bodyTooLarge(limit: maxBody).inFastAPIShape
            }
        }
    }

    func predict(_ request: Request, logger: Logger) async throws -> Response {
        let form = try await PredictForm.read(request, maxBody: maxBody)
        guard let json = form.entries else {
            throw APIError.detail(.unprocessableContent, "the form has no 'entries' field")
        }
        let entries = try PredictEntries(json: json)
        // A name the started model does not answer may be one `--models` lets load (checked before any work).
        var onDemand: String?
        if let clip = entries.clip, !Self.serves(clip.modelName, served) {
            guard let registry, let reference = registry.reference(for: clip.modelName) else {
                throw Self.refusal(clip.modelName, served, loadable: registry?.allowed ?? [])
            }
            onDemand = reference
        }
        // The other tasks first: the fallback's answer is the base the CLIP vector joins.
        var answer: [String: Any] = [:]
        if !entries.others.isEmpty { answer = try await forward(entries, form, logger: logger) }
        guard let clip = entries.clip else { return JSONResponse.make(answer) }
        let result: ClipAnswer
        if let onDemand, let registry {
            do {
                result = try await registry.using(onDemand) { model in
                    // Loaded, it answers only the names its own width allows (`ServedModel.immichNames`).
                    guard Self.serves(clip.modelName, model) else { throw Self.refusal(clip.modelName, model) }
                    return try await Self.embed(clip.task, form, with: model)
                }
            } catch let error as APIError {
                throw error
            } catch {
                // The model could not be loaded (not downloaded and offline, a broken folder): the server's
                // state, not the request's fault; the next request tries again.
                throw APIError.detail(.serviceUnavailable, "model '\(onDemand)' could not be loaded: \(error)")
            }
        } else {
            result = try await Self.embed(clip.task, form, with: served)
        }
        answer["clip"] = Self.vectorString(result.vector)
        if let size = result.imageSize { (answer["imageHeight"], answer["imageWidth"]) = size }
        return JSONResponse.make(answer)
    }

    /// One CLIP embedding and, for an image, its decoded size.
    struct ClipAnswer: Sendable {
        var vector: [Float]
        var imageSize: (height: Int, width: Int)?
    }

    static func embed(_ task: PredictEntries.ClipTask, _ form: PredictForm, with served: ServedModel) async throws
        -> ClipAnswer
    {
        switch task {
        case .visual:
            guard let image = form.image, !image.isEmpty else {
                throw APIError.detail(.badRequest, "entries ask for clip.visual but the form has no 'image' file")
            }
            guard let batcher = served.image else {
                throw APIError.detail(.badRequest, "this server has no image tower")
            }
            let prepared: ServedModel.PreparedImage
            switch await served.prepareImages([image])[0] {
            case let .success(value): prepared = value
            case let .failure(error): throw APIError.detail(.badRequest, "image: \(error.inputReason)")
            }
            let vector = try await embedding { try await batcher.embed([prepared.pixels]) }
            return ClipAnswer(vector: vector, imageSize: (prepared.height, prepared.width))
        case .textual:
            guard let text = form.text, !text.isEmpty else {
                throw APIError.detail(.badRequest, "entries ask for clip.textual but the form has no 'text' field")
            }
            let ids = try await served.tokenize([text], param: "text").ids
            return ClipAnswer(vector: try await embedding { try await served.text.embed(ids) })
        }
    }

    /// The tasks SwiftCLIP does not serve, answered by the fallback. Without one, a 501 that fails only this
    /// job in Immich (its server tries its next URL, then fails the job; the CLIP jobs go on), and a log line
    /// that says what to turn off. Never an empty 200: Immich would record "no faces" for the photo.
    private func forward(_ entries: PredictEntries, _ form: PredictForm, logger: Logger) async throws -> [String: Any] {
        let tasks = entries.others.keys.sorted().joined(separator: " and ")
        guard let fallback else {
            if unservedLog.shouldLog(tasks) {
                logger.warning(
                    """
                    /predict asked for \(tasks), which clip serve does not run: turn \(tasks) off in Immich \
                    (Administration → Settings → Machine Learning), or start clip serve with --immich-fallback URL \
                    of an Immich ML server to answer them (this is logged once, then every tenth, hundredth… time)
                    """)
            }
            throw APIError.detail(
                .notImplemented,
                "\(tasks) is not served by SwiftCLIP's clip serve, which answers CLIP only: turn it off in Immich's "
                    + "machine-learning settings, or start clip serve with --immich-fallback URL")
        }
        do {
            return try await fallback.predict(entries: entries.othersJSON, image: form.image, text: form.text)
        } catch let ImmichFallback.Failure.answered(status, detail) where (400..<500).contains(status) {
            throw APIError.detail(HTTPResponse.Status(code: status), "the Immich fallback refused \(tasks): \(detail)")
        } catch let ImmichFallback.Failure.answered(status, detail) {
            throw APIError.detail(
                .badGateway, "the Immich fallback at \(fallback.url) answered \(status) for \(tasks): \(detail)")
        } catch let ImmichFallback.Failure.unreachable(reason) {
            throw APIError.detail(.badGateway, "the Immich fallback at \(fallback.url) is unreachable: \(reason)")
        }
    }

    /// Whether `served` answers for `modelName` as Immich sends it (`ViT-B-32__openai`, perhaps with an org
    /// prefix or `::`): its served name, or an Immich name its weights are. Never another model of the same
    /// architecture: Immich stores the vectors as the name's, and search quality would collapse silently.
    static func serves(_ modelName: String, _ served: ServedModel) -> Bool {
        let clean = ImmichModels.cleanName(modelName)
        return modelName == served.name || clean == served.name || served.immichNames.contains(clean)
    }

    /// The 400 for a name this server does not answer, naming what it serves and how to serve the name.
    static func refusal(_ modelName: String, _ served: ServedModel, loadable: [String] = []) -> APIError {
        let immich = served.immichNames.isEmpty ? "" : " (Immich's \(served.immichNames.joined(separator: ", ")))"
        let others = loadable.isEmpty ? "" : " and may load \(loadable.joined(separator: ", ")) (--models)"
        let serving = "this server serves '\(served.name)'\(immich)\(others)"
        guard let entry = ImmichModels.entry(for: modelName) else {
            return .detail(
                .badRequest, "model '\(modelName)' is not served here, nor a CLIP model Immich names; \(serving)")
        }
        if let reason = entry.unsupported {
            return .detail(.badRequest, "model '\(modelName)' cannot be served by SwiftCLIP yet: \(reason); \(serving)")
        }
        return .detail(
            .badRequest,
            "model '\(modelName)' (weights \(entry.source)) is not loaded here; \(serving). "
                + "Run clip serve --model \(entry.name), or add it to --models, to serve it")
    }

    /// The vector as the JSON-array string Immich stores in its `vector` column.
    static func vectorString(_ vector: [Float]) -> String {
        EmbeddingsController<Context>.jsonArray(vector)
    }

    /// The one vector a request asked for, with the batcher's refusals in FastAPI's shape.
    private static func embedding(_ body: () async throws -> [Result<[Float], Error>]) async throws -> [Float] {
        do {
            guard case let .success(vector) = try await body()[0] else {
                throw APIError.detail(.internalServerError, "the model failed")
            }
            return vector
        } catch let refusal as BatcherError {
            var error = APIError(refusal: refusal)
            error.fastAPIShape = true
            throw error
        }
    }
}
