import CLIP
import Foundation
import Hummingbird

/// OpenAI-compatible embeddings: `POST /v1/embeddings` and `GET /v1/models`.
struct EmbeddingsController<Context: RequestContext> {
    let served: ServedModel
    let maxBody: Int

    func addRoutes(to router: Router<Context>) {
        router.post("v1/embeddings") { request, _ in try await embeddings(request) }
        router.get("v1/models") { _, _ in
            JSONResponse.make(["object": "list", "data": [["id": served.name, "object": "model", "owned_by": "swiftclip",
                                                           "dimensions": served.dimension]]])
        }
    }

    func embeddings(_ request: Request) async throws -> Response {
        let buffer = try await request.body.collect(upTo: maxBody)
        let parsed = try EmbeddingsRequest(json: Data(buffer: buffer), servedDimension: served.dimension)
        guard parsed.model == served.name else {
            throw APIError(.notFound, "the model '\(parsed.model)' is not served here; GET /v1/models lists '\(served.name)'",
                           param: "model", code: "model_not_found")
        }
        let results: [Result<[Float], Error>]
        var tokens = 0
        switch parsed.modality {
        case .text:
            let (ids, count) = served.tokenize(parsed.inputs)
            tokens = count
            results = try await ServedModel.batched { try await served.text.embed(ids) }
        case .image:
            guard let image = served.image else {
                throw APIError.badRequest("this server was started without the image tower", param: "modality")
            }
            let bytes = try parsed.inputs.enumerated().map { try EmbeddingsRequest.imageBytes($1, param: "input[\($0)]") }
            var pixels: [Tensor] = []
            for (i, prepared) in await served.prepareImages(bytes).enumerated() {
                switch prepared {
                case let .success(prepared): pixels.append(prepared.pixels)
                case let .failure(error): throw APIError.badRequest("input[\(i)]: \(error.inputReason)", param: "input", code: "invalid_image")
                }
            }
            results = try await ServedModel.batched { try await image.embed(pixels) }
        }
        // Written by hand: JSONSerialization boxes every float; with it, 64 clients of one short text each got
        // 404 requests/s from tools/bench_serve.sh, and 482 with this.
        var json = "{\"object\":\"list\",\"data\":["
        for (i, result) in results.enumerated() {
            guard case var .success(vector) = result else {
                throw APIError(.internalServerError, "the model failed on input[\(i)]", type: "server_error")
            }
            if let d = parsed.dimensions, d < vector.count { vector = Self.truncated(vector, to: d) }
            if i > 0 { json += "," }
            json += "{\"object\":\"embedding\",\"index\":\(i),\"embedding\":"
            json += parsed.encoding == .base64 ? "\"" + Self.base64(vector) + "\"" : Self.jsonArray(vector)
            json += "}"
        }
        json += "],\"model\":" + Self.jsonString(served.name)
        json += ",\"usage\":{\"prompt_tokens\":\(tokens),\"total_tokens\":\(tokens)}}"
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
    }

    /// `[x,y,…]` with each float's shortest round-tripping decimal form.
    static func jsonArray(_ vector: [Float]) -> String {
        var out = "["
        out.reserveCapacity(vector.count * 12)
        for (k, value) in vector.enumerated() {
            if k > 0 { out += "," }
            out += value.isFinite ? value.description : "0"
        }
        return out + "]"
    }

    /// A JSON string literal (quotes, backslashes and control characters escaped).
    static func jsonString(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text])) ?? Data("[\"\"]".utf8)
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }

    /// The first `d` components, re-normalised to unit length (OpenAI's `dimensions`).
    static func truncated(_ vector: [Float], to d: Int) -> [Float] {
        let head = Array(vector.prefix(d))
        let norm = head.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? head.map { $0 / norm } : head
    }

    /// Little-endian float32 bytes, base64 (what the openai client decodes with numpy's frombuffer).
    static func base64(_ vector: [Float]) -> String {
        vector.map { $0.bitPattern.littleEndian }.withUnsafeBytes { Data($0).base64EncodedString() }
    }
}
