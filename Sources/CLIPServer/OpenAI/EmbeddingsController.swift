import CLIP
import Foundation
import Hummingbird

/// OpenAI-compatible embeddings: `POST /v1/embeddings` and `GET /v1/models`.
struct EmbeddingsController<Context: RequestContext> {
    let served: ServedModel
    let maxBody: Int

    func addRoutes(to router: some RouterMethods<Context>) {
        router.post("v1/embeddings") { request, _ in try await embeddings(request) }
        router.get("v1/models") { _, _ in
            JSONResponse.make([
                "object": "list",
                "data": [
                    [
                        "id": served.name, "object": "model", "owned_by": "swiftclip",
                        "dimensions": served.dimension
                    ]
                ]
            ])
        }
    }

    func embeddings(_ request: Request) async throws -> Response {
        let buffer = try await RequestBody.collect(request, maxBody: maxBody)
        let dimension = served.dimension
        let parsed = try await RequestBody.parse(buffer) {
            try EmbeddingsRequest(json: Data(buffer: $0), servedDimension: dimension)
        }
        guard parsed.model == served.name else {
            throw APIError(
                .notFound, "the model '\(parsed.model)' is not served here; GET /v1/models lists '\(served.name)'",
                param: "model", code: "model_not_found")
        }
        let vectors: [[Float]]
        var tokens = 0
        switch parsed.modality {
        case .text:
            let (ids, count) = try await served.tokenize(parsed.inputs, param: "input")
            tokens = count
            vectors = try await served.embed(tokens: ids)
        case .image:
            guard served.image != nil else {
                throw APIError.badRequest("this server was started without the image tower", param: "modality")
            }
            let names = parsed.inputs.indices.map { "input[\($0)]" }
            let bytes = try zip(parsed.inputs, names).map { try EmbeddingsRequest.imageBytes($0, param: $1) }
            vectors = try await served.embedImages(bytes, names: names, param: "input")
        }
        // Written by hand: JSONSerialization boxes every float; with it, 64 clients of one short text each got
        // 404 requests/s from tools/bench_serve.sh, and 482 with this.
        var json = "{\"object\":\"list\",\"data\":["
        for (i, embedding) in vectors.enumerated() {
            var vector = embedding
            if let d = parsed.dimensions, d < vector.count { vector = Self.truncated(vector, to: d) }
            if i > 0 { json += "," }
            json += "{\"object\":\"embedding\",\"index\":\(i),\"embedding\":"
            json += parsed.encoding == .base64 ? "\"" + Self.base64(vector) + "\"" : Self.jsonArray(vector)
            json += "}"
        }
        json += "],\"model\":" + Self.jsonString(served.name)
        json += ",\"usage\":{\"prompt_tokens\":\(tokens),\"total_tokens\":\(tokens)}}"
        return Response(
            status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
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
