import CLIP
import CLIPServer
import Foundation
import Hummingbird
import HummingbirdTesting
import XCTest

/// The native API's share of what a hostile client found (issue 24).
extension LibraryRouteMemoryStoreTests {
    /// `/v1/search` reads multipart forms too: a malformed boundary is a 400 naming the header, not a trap
    /// in MultipartKit.
    func testSearchRefusesMalformedMultipartBoundaries() async throws {
        let fixture = try await makeFixture()
        try await withApp(fixture) { client in
            for parameter in ["boundary=", "boundary=\"\"", "boundary=\"", "BOUNDARY=", "boundary=;charset=utf-8"] {
                let (status, body) = try await client.execute(uri: "/v1/search", method: .post,
                                                              headers: [.contentType: "multipart/form-data; \(parameter)"],
                                                              body: ByteBuffer(string: "x")) { response in
                    (response.status, (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:])
                }
                assertAPIError((status, body), .badRequest, param: "Content-Type", "boundary")
            }
        }
    }

    /// A weight that is not a finite number is the client's mistake, named; it used to read as "the parts
    /// cancel out".
    func testQueryWeightsMustBeFinite() async throws {
        let fixture = try await makeFixture()
        try await withApp(fixture) { client in
            for query in ["nan:cat", "inf:cat + dog", "cat - -inf:dog", "1e39:cat"] {
                assertAPIError(try await client.postJSON("/v1/search", ["query": query]), .badRequest, param: "query", "is not a finite number")
            }
            let (status, body) = try await client.postJSON("/v1/search", ["query": "2:cat - 0.5:dog"])
            XCTAssertEqual(status, .ok, "\(body)")
        }
    }
}
