import CLIP
import Foundation
import Hummingbird
import MultipartKit

/// Immich's machine-learning API, as Immich's server calls it (`MACHINE_LEARNING_URL`): `POST /predict` with a
/// multipart form of `entries` (JSON naming the task, `{"clip":{"visual":{"modelName":…}}}` or
/// `{"clip":{"textual":{"modelName":…,"options":{"language":…}}}}`) and an `image` file part or a `text`
/// field. The answer is `{"clip":"[…]"}` (the vector as a JSON-array *string*, which Immich stores as is),
/// plus `imageHeight` and `imageWidth` for images. Errors are FastAPI's `{"detail": …}`.
struct PredictController<Context: RequestContext> {
    let served: ServedModel
    let maxBody: Int

    struct Form: Decodable, Sendable {
        var entries: String?
        var image: Data?
        var text: String?
    }

    func addRoutes(to router: some RouterMethods<Context>) {
        router.post("predict") { request, _ in
            // Every refusal in FastAPI's shape, `{"detail": …}`, as Immich reads it: those raised here and
            // those of the shared request code (the body limit, the multipart boundary, a text's length).
            do {
                return try await predict(request)
            } catch let error as APIError {
                throw error.inFastAPIShape
            } catch let error as HTTPResponseError where error.status == .contentTooLarge {
                throw APIError.bodyTooLarge(limit: maxBody).inFastAPIShape
            }
        }
    }

    func predict(_ request: Request) async throws -> Response {
        guard let boundary = try RequestBody.boundary(request) else {
            throw APIError.detail(.unprocessableContent, "expected a multipart/form-data body with a boundary")
        }
        let body = try await RequestBody.collect(request, maxBody: maxBody)
        let form: Form
        do {
            form = try await RequestBody.decodeForm(Form.self, from: body, boundary: boundary)
        } catch let problem as MultipartBoundary.ShapeProblem {
            throw APIError.detail(.unprocessableContent, "\(problem)")
        } catch {
            throw APIError.detail(.unprocessableContent, "the multipart body could not be read: \(error)")
        }
        guard let entries = form.entries else {
            throw APIError.detail(.unprocessableContent, "the form has no 'entries' field")
        }
        let (task, modelName) = try Self.parse(entries: entries)
        guard Self.serves(modelName, as: served.name) else {
            throw APIError.detail(
                .badRequest, "model '\(modelName)' is not served here (this server serves '\(served.name)')")
        }
        switch task {
        case "visual":
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
            let vector = try await Self.embedding { try await batcher.embed([prepared.pixels]) }
            return JSONResponse.make([
                "clip": Self.vectorString(vector), "imageHeight": prepared.height, "imageWidth": prepared.width
            ])
        default:
            guard let text = form.text, !text.isEmpty else {
                throw APIError.detail(.badRequest, "entries ask for clip.textual but the form has no 'text' field")
            }
            let ids = try await served.tokenize([text], param: "text").ids
            let vector = try await Self.embedding { try await served.text.embed(ids) }
            return JSONResponse.make(["clip": Self.vectorString(vector)])
        }
    }

    /// `(visual|textual, modelName)` from the entries JSON; anything else is FastAPI's 422.
    static func parse(entries: String) throws -> (String, String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(entries.utf8)) as? [String: Any],
            let clip = object["clip"] as? [String: Any]
        else {
            throw APIError.detail(
                .unprocessableContent,
                "Invalid request format: 'entries' must be JSON like {\"clip\":{\"visual\":{\"modelName\":…}}}")
        }
        for task in ["visual", "textual"] {
            if let entry = clip[task] as? [String: Any] {
                guard let name = entry["modelName"] as? String, !name.isEmpty else {
                    throw APIError.detail(
                        .unprocessableContent, "Invalid request format: clip.\(task).modelName is missing")
                }
                return (task, name)
            }
        }
        throw APIError.detail(
            .unprocessableContent, "Invalid request format: 'entries' asks for neither clip.visual nor clip.textual")
    }

    /// Immich names models `<arch>__<pretrained>` (`ViT-B-32__openai`), possibly with an org prefix or the
    /// older `::` separator; a name serves when it is the served name or its architecture part is.
    static func serves(_ modelName: String, as served: String) -> Bool {
        let clean = String(modelName.split(separator: "/").last ?? "").replacingOccurrences(of: "::", with: "__")
        let architecture = clean.components(separatedBy: "__").first ?? clean
        return clean == served || architecture == served || served.hasSuffix("/" + clean)
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
