import CLIP
import CLIPServer
import Foundation
import Hummingbird
import HummingbirdTesting
import XCTest

/// What a hostile client found (issue 24), through the real router: each of these crashed the server, was
/// accepted, or was answered in the wrong shape or status before.
final class HostileInputTests: XCTestCase {
    func withApp(
        _ configuration: ServerConfiguration = ServerConfiguration(),
        _ body: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let served = try ServerFixtures.served()
        defer { served.shutdown() }
        try await Application(router: buildRouter(served, configuration: configuration)).test(.router) {
            try await body($0)
        }
    }

    static func raw(
        _ client: any TestClientProtocol, _ uri: String, method: HTTPRequest.Method = .post, headers: HTTPFields,
        body: Data = Data("x".utf8)
    ) async throws -> (HTTPResponse.Status, [String: Any], HTTPFields, Int) {
        try await client.execute(uri: uri, method: method, headers: headers, body: ByteBuffer(bytes: body)) {
            response in
            let object = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:]
            return (response.status, object, response.headers, response.body.readableBytes)
        }
    }

    /// MultipartKit's parser traps on an empty boundary: one such request killed the process. Each is now a
    /// 4xx naming the header, in Immich's shape on `/predict`.
    func testMalformedMultipartBoundariesAreRefusedNotFatal() async throws {
        try await withApp { client in
            let bad = [
                "boundary=", "boundary=\"\"", "boundary=\"", "BOUNDARY=", "boundary=;charset=utf-8", "charset=utf-8",
                "boundary=\(String(repeating: "a", count: 71))", "boundary=a@b", "boundary=\"ab \""
            ]
            for parameter in bad {
                let contentType = "multipart/form-data; \(parameter)"
                let (status, body, _, _) = try await Self.raw(client, "/predict", headers: [.contentType: contentType])
                XCTAssertEqual(status.code / 100, 4, "\(contentType): \(status) \(body)")
                XCTAssertTrue((body["detail"] as? String ?? "").contains("boundary"), "\(contentType): \(body)")
            }
            // A quoted boundary with RFC 2046's punctuation still reads.
            let (form, _) = PredictRouteTests.form(
                [
                    ("entries", Data(#"{"clip":{"textual":{"modelName":"tiny"}}}"#.utf8), false),
                    ("text", Data("a dog".utf8), false)
                ], boundary: "a'(b)+_,-./:=?c")
            let (status, body, _, _) = try await Self.raw(
                client, "/predict", headers: [.contentType: "multipart/form-data; boundary=\"a'(b)+_,-./:=?c\""],
                body: form)
            XCTAssertEqual(status, .ok, "\(body)")
        }
    }

    /// multipart-kit's decoder is quadratic in parts and header lines: a form with many of either is refused
    /// before it runs.
    func testFormsWithManyPartsOrHeaderLinesAreRefused() async throws {
        try await withApp { client in
            let entries = Data(#"{"clip":{"textual":{"modelName":"tiny"}}}"#.utf8)
            let (many, contentType) = PredictRouteTests.form(
                [("entries", entries, false)] + (0..<40).map { _ in ("text", Data("a".utf8), false) })
            let (status, body, _, _) = try await Self.raw(
                client, "/predict", headers: [.contentType: contentType], body: many)
            XCTAssertEqual(status, .unprocessableContent)
            XCTAssertTrue((body["detail"] as? String ?? "").contains("more than 16 parts"), "\(body)")
            let boundary = "b0undary"
            let headerLines = (0..<2000).map { "X-Header-\($0): v\r\n" }.joined()
            let tall =
                Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"entries\"\r\n\(headerLines)\r\n".utf8)
                + entries
                + Data("\r\n--\(boundary)--\r\n".utf8)
            let (tallStatus, tallBody, _, _) = try await Self.raw(
                client, "/predict", headers: [.contentType: "multipart/form-data; boundary=\(boundary)"], body: tall)
            XCTAssertEqual(tallStatus, .unprocessableContent)
            XCTAssertTrue((tallBody["detail"] as? String ?? "").contains("bytes of headers"), "\(tallBody)")
        }
    }

    /// The model reads 77 tokens: a text past `ServedModel.maxTextCharacters` is a 400 with the limit, before
    /// any tokenizing; one at the limit is embedded.
    func testTextsOverTheCharacterLimitAre400WithTheLimit() async throws {
        try await withApp { client in
            let limit = 10_000
            let long = String(repeating: "a", count: limit + 1), atLimit = String(repeating: "é", count: limit)
            assertAPIError(
                try await client.postJSON("/v1/embeddings", ["model": "tiny", "input": ["fine", long]]), .badRequest,
                param: "input",
                "input[1] has more than 10000 characters (10001 bytes); this server takes at most 10000")
            let (ok, body) = try await client.postJSON("/v1/embeddings", ["model": "tiny", "input": atLimit])
            XCTAssertEqual(ok, .ok, "\(body)")
            let (form, contentType) = PredictRouteTests.form([
                ("entries", Data(#"{"clip":{"textual":{"modelName":"tiny"}}}"#.utf8), false),
                ("text", Data(long.utf8), false)
            ])
            let (status, detail, _, _) = try await Self.raw(
                client, "/predict", headers: [.contentType: contentType], body: form)
            XCTAssertEqual(status, .badRequest)
            XCTAssertTrue((detail["detail"] as? String ?? "").contains("at most 10000"), "\(detail)")
        }
    }

    /// A body over `--max-body` on `/predict` is answered as FastAPI does, `{"detail"}`. (A Content-Length
    /// over the limit is answered from the header alone: the router test client rewrites that header, so
    /// `CLITests.testIdleAndStalledConnectionsAreClosedAndTheCapHolds` checks it on a real socket.)
    func testABodyOverTheLimitOnPredictIsAFastAPI413() async throws {
        try await withApp(ServerConfiguration(maxBody: 4096)) { client in
            let (form, contentType) = PredictRouteTests.form([
                ("entries", Data(#"{"clip":{"textual":{"modelName":"tiny"}}}"#.utf8), false),
                ("text", Data(String(repeating: "b", count: 8000).utf8), false)
            ])
            let (predict, detail, _, _) = try await Self.raw(
                client, "/predict", headers: [.contentType: contentType], body: form)
            XCTAssertEqual(predict, .contentTooLarge)
            XCTAssertTrue((detail["detail"] as? String ?? "").contains("--max-body"), "Immich's shape: \(detail)")
            XCTAssertNil(detail["error"])
        }
    }

    /// RFC 7235: the scheme is case-insensitive; another scheme is refused.
    func testTheBearerSchemeIsCaseInsensitive() async throws {
        try await withApp(ServerConfiguration(apiKeys: ["k1-secret"])) { client in
            for header in ["Bearer k1-secret", "bearer k1-secret", "BEARER  k1-secret"] {
                let (status, body) = try await client.send(
                    "/v1/models", method: .get, headers: [.authorization: header])
                XCTAssertEqual(status, .ok, "\(header): \(body)")
            }
            for header in ["Basic k1-secret", "Bearerk1-secret", "Bearer ", "bearer k1-secreT"] {
                let (status, _) = try await client.send("/v1/models", method: .get, headers: [.authorization: header])
                XCTAssertEqual(status, .unauthorized, header)
            }
        }
    }

    /// A path that exists under other methods is 405 with `Allow`; HEAD works wherever GET does; an unknown
    /// path stays 404.
    func testWrongMethodsAre405AndHeadAnswersLikeGet() async throws {
        try await withApp { client in
            let (deleted, body, headers, _) = try await Self.raw(
                client, "/v1/embeddings", method: .delete, headers: [:])
            XCTAssertEqual(deleted, .methodNotAllowed, "\(body)")
            XCTAssertEqual(headers[.allow], "POST")
            let (put, _, putHeaders, _) = try await Self.raw(client, "/healthz", method: .put, headers: [:])
            XCTAssertEqual(put, .methodNotAllowed)
            XCTAssertEqual(putHeaders[.allow], "GET, HEAD")
            let (image, _, imageHeaders, _) = try await Self.raw(client, "/v1/images/12", method: .post, headers: [:])
            XCTAssertEqual(image, .methodNotAllowed)
            XCTAssertEqual(imageHeaders[.allow], "GET, HEAD")
            for path in ["/healthz", "/v1/models", "/"] {
                let (status, _, headers, bytes) = try await Self.raw(
                    client, path, method: .head, headers: [:], body: Data())
                XCTAssertEqual(status, .ok, path)
                XCTAssertEqual(bytes, 0, "HEAD \(path) has no body")
                XCTAssertNotNil(headers[.contentType], path)
            }
            let (missing, _, _, _) = try await Self.raw(client, "/v1/nothing", method: .get, headers: [:])
            XCTAssertEqual(missing, .notFound)
        }
    }

    /// base64 is strict (whitespace between groups and missing padding are fine); a data URI must hold an
    /// image.
    func testImageInputsMustBeStrictBase64OfAnImage() async throws {
        try await withApp { client in
            let png = try ServerFixtures.png()
            let encoded = png.base64EncodedString()
            func embed(_ input: String) async throws -> (HTTPResponse.Status, [String: Any]) {
                try await client.postJSON("/v1/embeddings", ["model": "tiny", "input": input, "modality": "image"])
            }
            assertAPIError(
                try await embed(String(encoded.prefix(40)) + "!!garbage**" + encoded.dropFirst(40)), .badRequest,
                param: "input",
                "input[0] is not valid base64: \"!\" at character 40")
            assertAPIError(
                try await embed("data:text/plain;base64," + encoded), .badRequest, param: "input",
                "data URI of text/plain, not an image")
            assertAPIError(try await embed("data:;base64," + encoded), .badRequest, param: "input", "not an image")
            assertAPIError(
                try await embed(
                    encoded.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_") + "-_"),
                .badRequest, param: "input", "URL-safe base64")
            var wrapped = "", rest = Substring(encoded)
            while !rest.isEmpty {
                wrapped += rest.prefix(76) + "\r\n"
                rest = rest.dropFirst(76)
            }
            for good in [
                encoded, wrapped, encoded.replacingOccurrences(of: "=", with: ""),
                "data:image/png;base64," + encoded, "data:application/octet-stream;base64," + encoded
            ] {
                let (status, body) = try await embed(good)
                XCTAssertEqual(status, .ok, "\(body)")
            }
        }
    }
}
