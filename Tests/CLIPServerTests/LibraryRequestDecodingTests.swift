import CLIP
import CLIPSearch
import CLIPServer
import Foundation
import Hummingbird
import HummingbirdTesting
import XCTest

/// What the library routes' Codable request types read as the hand-written field reader did before them:
/// numbers given as text, `true` where a number belongs, repeats among `ids`, a body that is no object, and
/// `null` written (not left out) where the status has no last pass.
extension LibraryRouteMemoryStoreTests {
    func testRequestTypesReadFieldsAsTheAPIAlwaysHas() async throws {
        let fixture = try await makeFixture()
        try await withApp(fixture) { client in
            let (status, search) = try await client.postJSON("/v1/search", ["query": "a photo", "top_k": " 2 "])
            XCTAssertEqual(status, .ok, "\(search)")
            XCTAssertEqual(search["top_k"] as? Int, 2)
            XCTAssertEqual(Self.results(search).count, 2)
            XCTAssertNil(search["scoring"], "a search has no scoring")

            var vector: [Any] = Array(repeating: 0.5, count: 32)
            vector[1] = true
            assertAPIError(
                try await client.postJSON("/v1/search", ["vector": vector]), .badRequest, param: "vector",
                "vector[1] must be a finite number")
            assertAPIError(
                try await client.postJSON("/v1/classify", ["labels": "a,b", "ids": [1], "top_k": true]), .badRequest,
                param: "top_k", "'top_k' must be an integer")
            assertAPIError(
                try await client.send("/v1/search", method: .post, body: Data("[1]".utf8)), .badRequest, param: nil,
                "not a JSON object")
            assertAPIError(
                try await client.send("/v1/duplicates?threshold=nan", method: .get), .badRequest, param: "threshold",
                "'threshold' must be a number")

            let (_, listing) = try await client.postJSON("/v1/search", ["query": "a photo", "top_k": 2])
            let ids = Self.results(listing).map(\.id)
            let (_, ranked) = try await client.postJSON("/v1/rank", ["prompt": "a photo", "ids": ids + ids])
            XCTAssertEqual(ranked["searched"] as? Int, 2, "repeated ids are ranked once")
            XCTAssertEqual(ranked["scoring"] as? String, "cosine")

            let (_, index) = try await client.send("/v1/index/status", method: .get)
            XCTAssertTrue(index["last"] is NSNull, "\(index)")
            XCTAssertEqual((index["folder_images"] as? [Any])?.count, 0)
        }
        // Library images need a library before their ids are read; uploads do not.
        try await withApp(nil) { client in
            assertAPIError(
                try await client.postJSON("/v1/classify", ["labels": "a,b", "ids": ["one"]]), .notFound, param: nil,
                "--library")
            assertAPIError(
                try await client.postJSON("/v1/classify", ["labels": "a,b", "images": ["%%%"]]), .badRequest,
                param: "images", "not valid base64")
        }
    }
}
