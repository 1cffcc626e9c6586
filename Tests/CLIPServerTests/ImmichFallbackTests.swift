import CLIP
import CLIPServer
import Foundation
import Hummingbird
import HummingbirdTesting
import XCTest

/// Facial recognition and OCR, which `clip serve` does not run: forwarded to a stand-in Immich ML server on
/// loopback (`--immich-fallback`) that records what it received, and merged with the CLIP answer; refused
/// with 501 without one.
final class ImmichFallbackTests: XCTestCase {
    /// What the stand-in received: the raw bodies, in order.
    actor Received {
        var bodies: [Data] = []
        func add(_ body: Data) { bodies.append(body) }
    }

    static var faces: [String: Any] {
        [
            "facial-recognition": [
                ["boundingBox": ["x1": 1.0, "y1": 2.0, "x2": 30.0, "y2": 40.0], "embedding": "[0.5,0.25]", "score": 0.9]
            ],
            "imageHeight": 60, "imageWidth": 80
        ]
    }

    /// Runs `body` with a stand-in Immich ML on a free loopback port; it answers 422 to entries that name
    /// the model "refuse-me", else `faces`.
    static func withStandIn(_ body: @Sendable (Int, Received) async throws -> Void) async throws {
        let received = Received()
        let router = Router()
        router.post("predict") { request, _ -> Response in
            let data = Data(buffer: try await request.body.collect(upTo: 1 << 24))
            await received.add(data)
            let refuse = data.range(of: Data("refuse-me".utf8)) != nil
            let object: [String: Any] = refuse ? ["detail": "Invalid request format."] : Self.faces
            return Response(
                status: refuse ? .unprocessableContent : .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object))))
        }
        try await Application(router: router).test(.live) { client in
            try await body(try XCTUnwrap(client.port), received)
        }
    }

    static func withApp(fallback: URL?, _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let served = try ServerFixtures.served()
        defer { served.shutdown() }
        let configuration = ServerConfiguration(immichFallback: fallback.map { ImmichFallback(url: $0, timeout: 10) })
        try await Application(router: buildRouter(served, configuration: configuration)).test(.router) {
            try await body($0)
        }
    }

    static let faceEntries =
        #"{"facial-recognition":{"detection":{"modelName":"buffalo_l","options":{"minScore":0.7}},"#
        + #""recognition":{"modelName":"buffalo_l"}}}"#

    func testFacesGoToTheFallbackAndComeBackMerged() async throws {
        let png = try ServerFixtures.png()
        try await Self.withStandIn { port, received in
            try await Self.withApp(fallback: URL(string: "http://127.0.0.1:\(port)")) { client in
                let faces = try await PredictRouteTests.predict(
                    client, [("entries", Data(Self.faceEntries.utf8), false), ("image", png, true)])
                XCTAssertEqual(faces.0, .ok, "\(faces.1)")
                XCTAssertEqual((faces.1["facial-recognition"] as? [Any])?.count, 1, "\(faces.1)")
                XCTAssertNil(faces.1["clip"])

                // CLIP and faces in one request: the vector is ours, the faces the stand-in's.
                let both = #"{"clip":{"visual":{"modelName":"tiny"}},"# + Self.faceEntries.dropFirst()
                let merged = try await PredictRouteTests.predict(
                    client, [("entries", Data(both.utf8), false), ("image", png, true)])
                XCTAssertEqual(merged.0, .ok, "\(merged.1)")
                XCTAssertEqual((merged.1["facial-recognition"] as? [Any])?.count, 1)
                XCTAssertEqual(PredictRouteTests.vector(merged.1["clip"]).count, ServerFixtures.config.embedDim)
                XCTAssertEqual(merged.1["imageWidth"] as? Int, 80)

                // The stand-in got the face entries only, with the same image bytes.
                let bodies = await received.bodies
                XCTAssertEqual(bodies.count, 2)
                for body in bodies {
                    XCTAssertNotNil(body.range(of: Data("buffalo_l".utf8)))
                    XCTAssertNil(body.range(of: Data("\"clip\"".utf8)), "CLIP is answered here, not forwarded")
                    XCTAssertNotNil(body.range(of: png), "the image is forwarded as sent")
                }

                // The fallback's own refusal of a request is relayed as its 4xx.
                let refused = try await PredictRouteTests.predict(
                    client,
                    [
                        ("entries", Data(#"{"ocr":{"detection":{"modelName":"refuse-me"}}}"#.utf8), false),
                        ("image", png, true)
                    ])
                XCTAssertEqual(refused.0, .unprocessableContent, "\(refused.1)")
                XCTAssertTrue((refused.1["detail"] as? String ?? "").contains("Invalid request format."))
            }
        }
    }

    func testWithoutAFallbackFacesAre501AndSayWhatToTurnOff() async throws {
        let png = try ServerFixtures.png()
        try await Self.withApp(fallback: nil) { client in
            let faces = try await PredictRouteTests.predict(
                client, [("entries", Data(Self.faceEntries.utf8), false), ("image", png, true)])
            XCTAssertEqual(faces.0, .notImplemented, "\(faces.1)")
            let detail = faces.1["detail"] as? String ?? ""
            XCTAssertTrue(detail.contains("facial-recognition") && detail.contains("--immich-fallback"), detail)
            // A CLIP request is still answered.
            let clipEntries = #"{"clip":{"visual":{"modelName":"tiny"}}}"#
            let clip = try await PredictRouteTests.predict(
                client, [("entries", Data(clipEntries.utf8), false), ("image", png, true)])
            XCTAssertEqual(clip.0, .ok)
            // Unknown tasks remain the client's mistake.
            let unknown = try await PredictRouteTests.predict(
                client, [("entries", Data(#"{"captions":{"x":{}}}"#.utf8), false), ("image", png, true)])
            XCTAssertEqual(unknown.0, .unprocessableContent)
        }
    }

    /// A fallback that is down is a 502 naming it, and the server goes on.
    func testAnUnreachableFallbackIs502() async throws {
        // A port that was free a moment ago: connections to it are refused.
        let port = try await Application(router: Router()).test(.live) { $0.port ?? 0 }
        let png = try ServerFixtures.png()
        try await Self.withApp(fallback: URL(string: "http://127.0.0.1:\(port)")) { client in
            let faces = try await PredictRouteTests.predict(
                client, [("entries", Data(Self.faceEntries.utf8), false), ("image", png, true)])
            XCTAssertEqual(faces.0, .badGateway, "\(faces.1)")
            XCTAssertTrue((faces.1["detail"] as? String ?? "").contains("unreachable"), "\(faces.1)")
        }
    }

    func testFallbackURLIsValidated() {
        XCTAssertNoThrow(try ImmichFallback.validated("http://immich-machine-learning:3003"))
        for bad in ["immich:3003", "ftp://host/", "http://", "not a url"] {
            XCTAssertThrowsError(try ImmichFallback.validated(bad), bad)
        }
    }
}
