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

            for name in ["tiny", "tiny__openai", "immich-app/tiny__openai", "tiny::openai"] {
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
        }
    }
}
