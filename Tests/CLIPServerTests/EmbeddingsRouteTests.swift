import CLIP
import CLIPServer
import Foundation
import Hummingbird
import HummingbirdTesting
import XCTest

/// `POST /v1/embeddings` and `GET /v1/models` through the real router, in memory (HummingbirdTesting).
final class EmbeddingsRouteTests: XCTestCase {
    func withApp(
        _ configuration: ServerConfiguration = ServerConfiguration(), served: ServedModel? = nil,
        _ body: @Sendable (any TestClientProtocol, ServedModel) async throws -> Void
    ) async throws {
        let served = try served ?? ServerFixtures.served()
        defer { served.shutdown() }
        let app = Application(router: buildRouter(served, configuration: configuration))
        try await app.test(.router) { client in try await body(client, served) }
    }

    func testTextEmbeddingsMatchTheEngine() async throws {
        try await withApp { client, _ in
            let texts = ["a photo of a dog", "a diagram", "snow"]
            let (status, body) = try await client.postJSON("/v1/embeddings", ["model": "tiny", "input": texts])
            XCTAssertEqual(status, .ok, "\(body)")
            XCTAssertEqual(body["object"] as? String, "list")
            XCTAssertEqual(body["model"] as? String, "tiny")
            let data = body["data"] as! [[String: Any]]
            XCTAssertEqual(data.map { $0["index"] as! Int }, [0, 1, 2])
            XCTAssertTrue(data.allSatisfy { $0["object"] as? String == "embedding" })
            let expected = try ServerFixtures.loaded.embedTexts(texts)
            for (i, vector) in embeddingVectors(body).enumerated() { XCTAssertEqual(vector, expected.row(i)) }
            let usage = body["usage"] as! [String: Int]
            XCTAssertEqual(usage["prompt_tokens"], usage["total_tokens"])
            XCTAssertGreaterThanOrEqual(usage["prompt_tokens"]!, 3 * 3)  // SOT + ≥1 word + EOT each

            // One string is one input; base64 is little-endian float32; dimensions truncates and renormalises.
            let (_, single) = try await client.postJSON(
                "/v1/embeddings", ["model": "tiny", "input": "snow", "encoding_format": "base64", "dimensions": 8])
            let encoded = (single["data"] as! [[String: Any]])[0]["embedding"] as! String
            let bytes = Data(base64Encoded: encoded)!
            let floats = bytes.withUnsafeBytes { raw in
                (0..<(bytes.count / 4)).map {
                    Float(bitPattern: UInt32(littleEndian: raw.load(fromByteOffset: 4 * $0, as: UInt32.self)))
                }
            }
            XCTAssertEqual(floats.count, 8)
            let head = Array(expected.row(2).prefix(8)), norm = head.reduce(0) { $0 + $1 * $1 }.squareRoot()
            for k in 0..<8 { XCTAssertEqual(floats[k], head[k] / norm, accuracy: 1e-6) }
        }
    }

    func testImageEmbeddingsFromDataURIsAndBareBase64() async throws {
        try await withApp { client, _ in
            let png = try ServerFixtures.png(), other = try ServerFixtures.png(seed: 2)
            let inputs = ["data:image/png;base64," + png.base64EncodedString(), other.base64EncodedString()]
            let (status, body) = try await client.postJSON(
                "/v1/embeddings", ["model": "tiny", "input": inputs, "modality": "image"])
            XCTAssertEqual(status, .ok, "\(body)")
            let got = embeddingVectors(body)
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clip-serve-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let files = [png, other].enumerated().map { dir.appendingPathComponent("\($0.offset).png") }
            for (data, url) in zip([png, other], files) { try data.write(to: url) }
            let expected = try ServerFixtures.loaded.imageEmbedder().embed(files: files.map(\.path))
            for i in 0..<2 { XCTAssertEqual(got[i], expected.row(i)) }
            XCTAssertNotEqual(got[0], got[1])
        }
    }

    func testModelsReadinessAndProbes() async throws {
        try await withApp { client, _ in
            let (status, models) = try await client.send("/v1/models", method: .get)
            XCTAssertEqual(status, .ok)
            let entry = (models["data"] as! [[String: Any]])[0]
            XCTAssertEqual(entry["id"] as? String, "tiny")
            XCTAssertEqual(entry["dimensions"] as? Int, 32)
            let (readyStatus, ready) = try await client.send("/readyz", method: .get)
            XCTAssertEqual(readyStatus, .ok)
            XCTAssertEqual(ready["ready"] as? Bool, true)
            try await client.execute(uri: "/ping", method: .get) { XCTAssertEqual(String(buffer: $0.body), "pong") }
            try await client.execute(uri: "/healthz", method: .get) { XCTAssertEqual($0.status, .ok) }
        }
    }

    /// Every bad request is a 4xx in OpenAI's error shape naming the field and the reason.
    func testBadRequestsAreClearClientErrors() async throws {
        try await withApp(ServerConfiguration(maxBody: 64 << 10)) { client, _ in
            let post = { (object: Any) in try await client.postJSON("/v1/embeddings", object) }
            assertAPIError(
                try await client.send("/v1/embeddings", method: .post, body: Data("{not json".utf8)), .badRequest,
                param: nil, "not a JSON object")
            assertAPIError(try await post(["input": "x"]), .badRequest, param: "model", "'model' is required")
            assertAPIError(try await post(["model": 3, "input": "x"]), .badRequest, param: "model", "must be a string")
            assertAPIError(try await post(["model": "tiny"]), .badRequest, param: "input", "'input' is required")
            assertAPIError(
                try await post(["model": "tiny", "input": 5]), .badRequest, param: "input",
                "string or an array of strings")
            assertAPIError(
                try await post(["model": "tiny", "input": [1, 2, 3]]), .badRequest, param: "input", "token arrays")
            assertAPIError(try await post(["model": "tiny", "input": []]), .badRequest, param: "input", "empty")
            assertAPIError(
                try await post(["model": "tiny", "input": ["a", ""]]), .badRequest, param: "input",
                "input[1] is an empty string")
            assertAPIError(
                try await post(["model": "tiny", "input": Array(repeating: "a", count: 257)]), .badRequest,
                param: "input", "at most 256")
            assertAPIError(
                try await post(["model": "other", "input": "x"]), .notFound, param: "model", "not served here")
            assertAPIError(
                try await post(["model": "tiny", "input": "x", "encoding_format": "int8"]), .badRequest,
                param: "encoding_format", "\"float\" or \"base64\"")
            assertAPIError(
                try await post(["model": "tiny", "input": "x", "dimensions": 0]), .badRequest, param: "dimensions",
                "between 1 and 32")
            assertAPIError(
                try await post(["model": "tiny", "input": "x", "dimensions": 33]), .badRequest, param: "dimensions",
                "between 1 and 32")
            assertAPIError(
                try await post(["model": "tiny", "input": "x", "dimensions": 1.5]), .badRequest, param: "dimensions",
                "integer")
            assertAPIError(
                try await post(["model": "tiny", "input": "x", "dimensions": true]), .badRequest, param: "dimensions",
                "integer")
            assertAPIError(
                try await post(["model": "tiny", "input": "x", "modality": "audio"]), .badRequest, param: "modality",
                "\"text\" or \"image\"")
            assertAPIError(
                try await post(["model": "tiny", "input": "%%%", "modality": "image"]), .badRequest, param: "input",
                "not valid base64")
            assertAPIError(
                try await post(["model": "tiny", "input": "https://example.com/a.jpg", "modality": "image"]),
                .badRequest, param: "input", "never fetches")
            assertAPIError(
                try await post([
                    "model": "tiny", "input": Data("hello, not an image".utf8).base64EncodedString(),
                    "modality": "image"
                ]),
                .badRequest, param: "input", "input[0]")
            let png = try ServerFixtures.png()
            assertAPIError(
                try await post([
                    "model": "tiny", "input": png.prefix(png.count / 2).base64EncodedString(), "modality": "image"
                ]),
                .badRequest, param: "input", "input[0]")
            let big = String(repeating: "a", count: 70 << 10)
            assertAPIError(
                try await post(["model": "tiny", "input": big]), .contentTooLarge, param: nil,
                "larger than the server's limit")
        }
    }

    func testTheImagePixelLimitIsCheckedBeforeDecoding() async throws {
        let served = try ServedModel(name: "tiny", loaded: ServerFixtures.loaded, maxPixels: 1000)
        try await withApp(served: served) { client, _ in
            let result = try await client.postJSON(
                "/v1/embeddings",
                ["model": "tiny", "input": try ServerFixtures.png().base64EncodedString(), "modality": "image"])
            assertAPIError(result, .badRequest, param: "input", "pixel")
        }
    }

    func testAPIKeysAreRequiredExceptForProbes() async throws {
        try await withApp(ServerConfiguration(apiKeys: ["k1-secret", "k2-other"])) { client, _ in
            assertAPIError(
                try await client.postJSON("/v1/embeddings", ["model": "tiny", "input": "x"]), .unauthorized, param: nil,
                "missing API key")
            assertAPIError(
                try await client.postJSON(
                    "/v1/embeddings", ["model": "tiny", "input": "x"], headers: [.authorization: "Bearer k1-secreT"]),
                .unauthorized, param: nil, "incorrect API key")
            assertAPIError(
                try await client.postJSON(
                    "/v1/embeddings", ["model": "tiny", "input": "x"],
                    headers: [.authorization: "Bearer k1-secret-and-more"]),
                .unauthorized, param: nil, "incorrect API key")
            let (status, _) = try await client.postJSON(
                "/v1/embeddings", ["model": "tiny", "input": "x"], headers: [.authorization: "Bearer k2-other"])
            XCTAssertEqual(status, .ok)
            try await client.execute(uri: "/healthz", method: .get) { XCTAssertEqual($0.status, .ok) }
            try await client.execute(uri: "/ping", method: .get) { XCTAssertEqual($0.status, .ok) }
            let (readyStatus, ready) = try await client.send("/readyz", method: .get)  // open: probes and the page
            XCTAssertEqual(readyStatus, .ok)
            XCTAssertEqual(ready["auth"] as? Bool, true)
            try await client.execute(uri: "/metrics", method: .get) { XCTAssertEqual($0.status, .unauthorized) }
            // The page itself is open: it asks for the key.
            try await client.execute(uri: "/", method: .get) { XCTAssertEqual($0.status, .ok) }
        }
    }

    func testMetricsCountRequestsErrorsAndBatches() async throws {
        try await withApp { client, _ in
            for _ in 0..<2 { _ = try await client.postJSON("/v1/embeddings", ["model": "tiny", "input": ["a", "b"]]) }
            _ = try await client.postJSON("/v1/embeddings", ["model": "tiny"])
            let text = try await client.execute(uri: "/metrics", method: .get) { response in
                XCTAssertEqual(response.headers[.contentType], "text/plain; version=0.0.4")
                return String(buffer: response.body)
            }
            XCTAssertTrue(
                text.contains(#"http_requests_total{route="/v1/embeddings",method="POST",status="200"} 2"#), text)
            XCTAssertTrue(
                text.contains(#"http_errors_total{route="/v1/embeddings",method="POST",status="400"} 1"#), text)
            XCTAssertTrue(text.contains(#"http_request_duration_seconds_count{route="/v1/embeddings"} 3"#), text)
            XCTAssertTrue(text.contains(#"clip_batch_size_inputs_sum{tower="text"} 4"#), text)
            XCTAssertTrue(text.contains(#"clip_queue_depth_inputs{tower="text"} 0"#), text)
            let rss = text.split(separator: "\n").first { $0.hasPrefix("process_resident_memory_bytes ") }
            XCTAssertGreaterThan(Double(rss?.split(separator: " ").last ?? "0") ?? 0, 1e6, text)
        }
    }

    func testCORSIsOffUnlessAnOriginIsGiven() async throws {
        try await withApp { client, _ in
            try await client.execute(uri: "/v1/models", method: .get, headers: [.origin: "https://evil.example"]) {
                response in
                XCTAssertNil(response.headers[.accessControlAllowOrigin])
            }
        }
        try await withApp(ServerConfiguration(apiKeys: ["k"], corsOrigin: "https://photos.example")) { client, _ in
            // The preflight passes without a key; the real request still needs one.
            try await client.execute(
                uri: "/v1/embeddings", method: .options,
                headers: [.origin: "https://photos.example", .accessControlRequestMethod: "POST"]
            ) { response in
                XCTAssertEqual(response.headers[.accessControlAllowOrigin], "https://photos.example")
            }
            try await client.execute(
                uri: "/v1/models", method: .get,
                headers: [.origin: "https://photos.example", .authorization: "Bearer k"]
            ) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(response.headers[.accessControlAllowOrigin], "https://photos.example")
            }
        }
    }

    func testANonLoopbackAddressNeedsKeysOrAnExplicitNoAuth() throws {
        XCTAssertThrowsError(try ServerConfiguration(host: "0.0.0.0").validate()) {
            XCTAssertTrue("\($0)".contains("--api-key-file"), "\($0)")
        }
        XCTAssertNoThrow(try ServerConfiguration(host: "0.0.0.0", apiKeys: ["k"]).validate())
        XCTAssertNoThrow(try ServerConfiguration(host: "0.0.0.0", allowNoAuth: true).validate())
        XCTAssertNoThrow(try ServerConfiguration(host: "127.0.0.1").validate())
    }
}

/// The float embeddings of a `/v1/embeddings` answer, in order.
func embeddingVectors(_ body: [String: Any]) -> [[Float]] {
    (body["data"] as? [[String: Any]] ?? []).map { ($0["embedding"] as? [Double] ?? []).map(Float.init) }
}
