import CLIP
import CLIPServer
import Foundation
import Hummingbird
import HummingbirdTesting
import XCTest

/// Immich's `POST /predict`, sent as Immich's server sends it (Node's FormData: `entries`, then an `image`
/// file part named "blob" or a `text` field), through the real router.
final class PredictRouteTests: XCTestCase {
    static func form(
        _ fields: [(name: String, value: Data, file: Bool)], boundary: String = "immich-\(UUID().uuidString)"
    ) -> (Data, String) {
        var body = Data()
        for field in fields {
            body += Data("--\(boundary)\r\n".utf8)
            if field.file {
                body += Data(
                    """
                        Content-Disposition: form-data; name=\"\(field.name)\"; filename=\"blob\"\r\nContent-Type: \
                        application/octet-stream\r\n\r\n
                        """
                        .utf8)
            } else {
                body += Data("Content-Disposition: form-data; name=\"\(field.name)\"\r\n\r\n".utf8)
            }
            body += field.value + Data("\r\n".utf8)
        }
        body += Data("--\(boundary)--\r\n".utf8)
        return (body, "multipart/form-data; boundary=\(boundary)")
    }

    static func predict(_ client: any TestClientProtocol, _ fields: [(name: String, value: Data, file: Bool)])
        async throws -> (HTTPResponse.Status, [String: Any])
    {
        let (body, contentType) = Self.form(fields)
        return try await client.execute(
            uri: "/predict", method: .post, headers: [.contentType: contentType], body: ByteBuffer(bytes: body)
        ) { response in
            (
                (response.status),
                (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:]
            )
        }
    }

    func withApp(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let served = try ServerFixtures.served()
        defer { served.shutdown() }
        try await Application(router: buildRouter(served, configuration: ServerConfiguration())).test(.router) {
            try await body($0)
        }
    }

    static func vector(_ string: Any?) -> [Float] {
        guard let text = string as? String,
            let array = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [Double]
        else { return [] }
        return array.map(Float.init)
    }

    func testVisualAndTextualAnswerAsImmichExpects() async throws {
        try await withApp { client in
            let png = try ServerFixtures.png()
            let visual = try await Self.predict(
                client,
                [("entries", Data(#"{"clip":{"visual":{"modelName":"tiny"}}}"#.utf8), false), ("image", png, true)])
            XCTAssertEqual(visual.0, .ok, "\(visual.1)")
            XCTAssertTrue(visual.1["clip"] is String, "the embedding is a JSON-array string, as Immich stores it")
            XCTAssertEqual(visual.1["imageWidth"] as? Int, 80)
            XCTAssertEqual(visual.1["imageHeight"] as? Int, 60)
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("predict-\(UUID().uuidString).png")
            try png.write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let expectedImage = try ServerFixtures.loaded.imageEmbedder().embed(files: [file.path]).row(0)
            let gotImage = Self.vector(visual.1["clip"])
            XCTAssertEqual(gotImage.count, expectedImage.count)
            for k in gotImage.indices { XCTAssertEqual(gotImage[k], expectedImage[k], accuracy: 1e-6) }

            for name in ["tiny", "immich-app/tiny"] {
                let entries = #"{"clip":{"textual":{"modelName":"\#(name)","options":{"language":"en"}}}}"#
                let textual = try await Self.predict(
                    client, [("entries", Data(entries.utf8), false), ("text", Data("a dog on a beach".utf8), false)])
                XCTAssertEqual(textual.0, .ok, "\(name): \(textual.1)")
                XCTAssertNil(textual.1["imageWidth"])
                let expectedText = try ServerFixtures.loaded.embedTexts(["a dog on a beach"]).row(0)
                let gotText = Self.vector(textual.1["clip"])
                XCTAssertEqual(gotText.count, expectedText.count)
                for k in gotText.indices { XCTAssertEqual(gotText[k], expectedText[k], accuracy: 1e-6) }
            }
        }
    }

    func testBadFormsAreFastAPIShapedClientErrors() async throws {
        try await withApp { client in
            func assertDetail(
                _ result: (HTTPResponse.Status, [String: Any]), _ status: HTTPResponse.Status, _ fragment: String,
                line: UInt = #line
            ) {
                XCTAssertEqual(result.0, status, "\(result.1)", line: line)
                XCTAssertTrue((result.1["detail"] as? String ?? "").contains(fragment), "\(result.1)", line: line)
            }
            let png = try ServerFixtures.png()
            assertDetail(
                try await Self.predict(client, [("text", Data("x".utf8), false)]), .unprocessableContent, "no 'entries'"
            )
            assertDetail(
                try await Self.predict(
                    client, [("entries", Data("{not json".utf8), false), ("text", Data("x".utf8), false)]),
                .unprocessableContent, "Invalid request format")
            assertDetail(
                try await Self.predict(
                    client, [("entries", Data(#"{"clip":{"visual":{}}}"#.utf8), false), ("image", png, true)]),
                .unprocessableContent, "modelName is missing")
            assertDetail(
                try await Self.predict(client, [("entries", Data(#"{"facial-recognition":{}}"#.utf8), false)]),
                .unprocessableContent, "Invalid request format")
            assertDetail(
                try await Self.predict(
                    client, [("entries", Data(#"{"clip":{"visual":{"modelName":"tiny"}}}"#.utf8), false)]),
                .badRequest, "no 'image'")
            assertDetail(
                try await Self.predict(
                    client, [("entries", Data(#"{"clip":{"textual":{"modelName":"tiny"}}}"#.utf8), false)]),
                .badRequest, "no 'text'")
            assertDetail(
                try await Self.predict(
                    client,
                    [
                        ("entries", Data(#"{"clip":{"textual":{"modelName":"ViT-H-14__laion2b"}}}"#.utf8), false),
                        ("text", Data("x".utf8), false)
                    ]), .badRequest, "not served here")
            // Same architecture, other weights: the name is refused, never answered with these weights.
            for (name, fragment) in [
                ("tiny__openai", "nor a CLIP model Immich names; this server serves 'tiny'"),
                ("ViT-B-32__laion2b-s34b-b79k", "Run clip serve --model ViT-B-32__laion2b-s34b-b79k"),
                ("immich-app/XLM-Roberta-Large-Vit-B-32", "cannot be served by SwiftCLIP yet")
            ] {
                let entries = #"{"clip":{"textual":{"modelName":"\#(name)"}}}"#
                assertDetail(
                    try await Self.predict(
                        client, [("entries", Data(entries.utf8), false), ("text", Data("x".utf8), false)]),
                    .badRequest, fragment)
            }
            assertDetail(
                try await Self.predict(
                    client,
                    [
                        ("entries", Data(#"{"clip":{"visual":{"modelName":"tiny"}}}"#.utf8), false),
                        ("image", Data("not an image".utf8), true)
                    ]), .badRequest, "image:")
            assertDetail(
                try await Self.predict(
                    client,
                    [
                        ("entries", Data(#"{"clip":{"visual":{"modelName":"tiny"}}}"#.utf8), false),
                        ("image", png.prefix(png.count / 2), true)
                    ]), .badRequest, "image:")
            let notMultipart = try await client.execute(
                uri: "/predict", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: "{}")
            ) { response in
                (
                    response.status,
                    (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:]
                )
            }
            assertDetail(notMultipart, .unprocessableContent, "multipart/form-data")
            for (body, fragment) in [
                ("entries=%7B%7D&image=abc", "'image' must be a file part"),
                ("entries=%ZZ&text=x", "malformed percent-escape")
            ] {
                let refused = try await Self.urlEncoded(client, body)
                assertDetail(refused, .unprocessableContent, fragment)
            }
        }
    }

    static func urlEncoded(_ client: any TestClientProtocol, _ body: String) async throws -> (
        HTTPResponse.Status, [String: Any]
    ) {
        try await client.execute(
            uri: "/predict", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: body)
        ) { response in
            (
                response.status,
                (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:]
            )
        }
    }

    /// FastAPI reads form fields from a URL-encoded body too: the same text gives the same vector.
    func testURLEncodedTextAnswersLikeMultipart() async throws {
        try await withApp { client in
            let entries = #"{"clip":{"textual":{"modelName":"tiny"}}}"#
            let text = "a dog & a cat = 2 + friends, ünïcödé 犬"
            let allowed = CharacterSet(
                charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~ ")
            func encode(_ s: String) -> String {
                s.addingPercentEncoding(withAllowedCharacters: allowed)!.replacingOccurrences(of: "%20", with: "+")
            }
            let encoded = try await Self.urlEncoded(client, "entries=\(encode(entries))&text=\(encode(text))")
            XCTAssertEqual(encoded.0, .ok, "\(encoded.1)")
            let multipart = try await Self.predict(
                client, [("entries", Data(entries.utf8), false), ("text", Data(text.utf8), false)])
            XCTAssertEqual(multipart.0, .ok)
            let expected = try ServerFixtures.loaded.embedTexts([text]).row(0)
            XCTAssertEqual(Self.vector(encoded.1["clip"]), Self.vector(multipart.1["clip"]))
            let got = Self.vector(encoded.1["clip"])
            XCTAssertEqual(got.count, expected.count)
            for k in got.indices { XCTAssertEqual(got[k], expected[k], accuracy: 1e-6) }
        }
    }

    /// A model served as Immich names answers that name, and a model whose width is not Immich's for the
    /// name is refused at start: those cannot be its weights.
    func testImmichNamesAnswerOnlyWithTheirWeights() async throws {
        var config = ServerFixtures.config
        config.embedDim = 512
        let loaded = LoadedModel(model: CLIPModel.randomWeights(config: config, seed: 3), folder: nil, id: "512")
        XCTAssertThrowsError(
            try ServedModel(name: "x", loaded: ServerFixtures.loaded, immichNames: ["ViT-B-32__openai"])
        ) {
            XCTAssertTrue("\($0)".contains("Immich's ViT-B-32__openai has 512"), "\($0)")
        }
        let served = try ServedModel(name: "ViT-B-32", loaded: loaded, immichNames: ["ViT-B-32__openai"])
        defer { served.shutdown() }
        try await Application(router: buildRouter(served, configuration: ServerConfiguration())).test(.router) {
            client in
            for name in ["ViT-B-32__openai", "immich-app/ViT-B-32::openai", "ViT-B-32"] {
                let entries = #"{"clip":{"textual":{"modelName":"\#(name)"}}}"#
                let answer = try await Self.predict(
                    client, [("entries", Data(entries.utf8), false), ("text", Data("a dog".utf8), false)])
                XCTAssertEqual(answer.0, .ok, "\(name): \(answer.1)")
                XCTAssertEqual(Self.vector(answer.1["clip"]).count, 512)
            }
            let other = #"{"clip":{"textual":{"modelName":"ViT-B-32__laion400m_e32"}}}"#
            let refused = try await Self.predict(
                client, [("entries", Data(other.utf8), false), ("text", Data("a dog".utf8), false)])
            XCTAssertEqual(refused.0, .badRequest)
            XCTAssertTrue(
                (refused.1["detail"] as? String ?? "").contains("serves 'ViT-B-32' (Immich's ViT-B-32__openai)"),
                "\(refused.1)")
        }
    }
}
