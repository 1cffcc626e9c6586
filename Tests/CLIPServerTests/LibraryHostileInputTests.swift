import CLIP
import CLIPSearch
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
                let (status, body) = try await client.execute(
                    uri: "/v1/search", method: .post,
                    headers: [.contentType: "multipart/form-data; \(parameter)"],
                    body: ByteBuffer(string: "x")
                ) { response in
                    (
                        response.status,
                        (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:]
                    )
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
                assertAPIError(
                    try await client.postJSON("/v1/search", ["query": query]), .badRequest, param: "query",
                    "is not a finite number")
            }
            // A vector whose squares overflow Float is no more usable than a NaN.
            let huge = [Float](repeating: 3e38, count: ServerFixtures.config.embedDim).map(Double.init)
            assertAPIError(
                try await client.postJSON("/v1/search", ["vector": huge]), .badRequest, param: "vector", "too large")
            let (status, body) = try await client.postJSON("/v1/search", ["query": "2:cat - 0.5:dog"])
            XCTAssertEqual(status, .ok, "\(body)")
        }
    }
}

extension LibraryRouteMemoryStoreTests {
    /// One rule for links, images and thumbnails alike: the indexer follows them, and what was indexed is
    /// served (through a symlinked folder or a symlinked photo, as the scan saw it); a file that is no longer
    /// the one indexed (a link or a hard link put in its place) is refused until the next index pass. The
    /// ETag comes from the bytes served.
    func testLinksAreServedAsIndexedAndReplacementsAreRefused() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("clip-links-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        let photos = root.appendingPathComponent("photos"), elsewhere = root.appendingPathComponent("elsewhere")
        let fm = FileManager.default
        try fm.createDirectory(at: photos, withIntermediateDirectories: true)
        try fm.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        try ServerFixtures.png(seed: 0).write(to: photos.appendingPathComponent("plain.png"))
        try ServerFixtures.png(seed: 1).write(to: elsewhere.appendingPathComponent("behind-folder-link.png"))
        try ServerFixtures.png(seed: 2).write(to: elsewhere.appendingPathComponent("target.png"))
        // Another size: the indexer sees a change by size and mtime, and two files written within one clock tick
        // can share an mtime.
        try ServerFixtures.png(seed: 3, width: 90).write(to: elsewhere.appendingPathComponent("other.png"))
        try fm.createSymbolicLink(
            atPath: photos.appendingPathComponent("linked-folder").path, withDestinationPath: elsewhere.path)
        try fm.createSymbolicLink(
            atPath: photos.appendingPathComponent("linked.png").path,
            withDestinationPath: elsewhere.appendingPathComponent("target.png").path)
        let store = try LibraryDatabase(directory: root.appendingPathComponent("library"), model: ServerFixtures.loaded)
        _ = try await Indexer(library: SQLiteStore(bound: store)).update(roots: [photos.path]) {
            try ServerFixtures.loaded.imageEmbedder()
        }
        let library = try await serve(store, folders: [], root: root)
        let target = elsewhere.appendingPathComponent("target.png").path
        let served = try ServerFixtures.served()
        defer { served.shutdown() }
        nonisolated(unsafe) var etags: [String: String] = [:]
        try await Application(router: buildRouter(served, library: library, configuration: ServerConfiguration())).test(
            .router
        ) { client in
            let (_, listing) = try await client.postJSON("/v1/search", ["query": "a photo", "top_k": 20])
            let hits = Dictionary(
                uniqueKeysWithValues: Self.results(listing).map {
                    (URL(fileURLWithPath: $0.path).lastPathComponent, $0.id)
                })
            XCTAssertEqual(
                Set(hits.keys), ["plain.png", "linked.png", "behind-folder-link.png", "target.png", "other.png"])
            etags = [:]
            for (name, id) in hits {
                for kind in ["images", "thumbnails"] {
                    try await client.execute(uri: "/v1/\(kind)/\(id)", method: .get) { response in
                        XCTAssertEqual(response.status, .ok, "\(kind) of \(name)")
                        etags["\(kind)/\(name)"] = response.headers[.eTag]
                    }
                }
            }
            // A hard link to another photo put in the linked photo's target's place: not the file indexed.
            try fm.removeItem(atPath: target)
            try fm.linkItem(atPath: elsewhere.appendingPathComponent("other.png").path, toPath: target)
            for kind in ["images", "thumbnails"] {
                for name in ["linked.png", "target.png"] {
                    assertAPIError(
                        try await client.send("/v1/\(kind)/\(hits[name]!)", method: .get), .notFound, param: "id",
                        "not the file the library indexed")
                }
            }
        }
        // After the next index pass (and a server that reads it) the new content is served, under a new ETag.
        _ = try await Indexer(library: SQLiteStore(bound: store)).update(roots: [photos.path]) {
            try ServerFixtures.loaded.imageEmbedder()
        }
        let reread = try await serve(store, folders: [], root: root)
        try await Application(router: buildRouter(served, library: reread, configuration: ServerConfiguration())).test(
            .router
        ) { client in
            let (_, listing) = try await client.postJSON("/v1/search", ["query": "a photo", "top_k": 20])
            let id = try XCTUnwrap(
                Self.results(listing).first {
                    $0.path.hasSuffix("elsewhere/target.png") || $0.path.hasSuffix("linked-folder/target.png")
                }?.id)
            try await client.execute(uri: "/v1/images/\(id)", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(Data(buffer: response.body), try Data(contentsOf: URL(fileURLWithPath: target)))
                XCTAssertNotEqual(response.headers[.eTag], etags["images/target.png"])
            }
        }
    }
}
