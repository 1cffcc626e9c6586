import CLIP
import CLIPSearch
import CLIPServer
import Foundation
import Hummingbird
import HummingbirdTesting
import XCTest

/// The native photo-library API through the real router, over a library of generated pictures indexed with
/// the tiny random model. Every score is checked against the engine's own embeddings. This class serves
/// the embedded library (`LiveLibrary`); its subclasses run the same tests through `PooledStore` over the
/// in-memory store and over PostgreSQL.
class LibraryRouteTests: XCTestCase {
    struct Fixture: Sendable {
        let root: URL
        let files: [String]  // photos/a/0…2.png, photos/b/3…4.png
        let imageVectors: [[Float]]
        let store: LibraryDatabase
        let library: ServedLibrary
    }

    func makeFixture(folders: [String]? = nil) async throws -> Fixture {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("clip-server-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        var files: [String] = []
        for seed in 0..<5 {
            let folder = root.appendingPathComponent(seed < 3 ? "photos/a" : "photos/b")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let url = folder.appendingPathComponent("\(seed).png")
            try ServerFixtures.png(seed: seed).write(to: url)
            files.append(url.path)
        }
        try Data("not a picture".utf8).write(to: root.appendingPathComponent("photos/a/notes.png"))
        let loaded = ServerFixtures.loaded
        let store = try LibraryDatabase(directory: root.appendingPathComponent("library"), model: loaded)
        _ = try await Indexer(library: SQLiteStore(bound: store)).update(roots: [
            root.appendingPathComponent("photos").path
        ]) { try loaded.imageEmbedder() }
        let embedded = try loaded.imageEmbedder().embed(files: files)
        let library = try await serve(store, folders: folders ?? [], root: root)
        return Fixture(
            root: root, files: files, imageVectors: files.indices.map { embedded.row($0) }, store: store,
            library: library)
    }

    /// The served library over `store` (indexed already), as this class's store keeps it.
    func serve(_ store: LibraryDatabase, folders: [String], root: URL) async throws -> ServedLibrary {
        let live = try LiveLibrary(database: store)
        let opened = OpenedLibrary(
            store: live, indexer: BackgroundIndexer { (live, false) }, thumbnails: ThumbnailCache(library: store))
        return ServedLibrary(opened, folders: folders) { try ServerFixtures.loaded.imageEmbedder() }
    }

    func withApp(_ fixture: Fixture?, _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let served = try ServerFixtures.served()
        defer { served.shutdown() }
        let app = Application(
            router: buildRouter(served, library: fixture?.library, configuration: ServerConfiguration()))
        try await app.test(.router) { try await body($0) }
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    static func normalised(_ v: [Float]) -> [Float] {
        let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return v.map { $0 / n }
    }

    static func results(_ body: [String: Any]) -> [(id: Int, path: String, score: Float)] {
        (body["results"] as? [[String: Any]] ?? []).map {
            ($0["id"] as? Int ?? -1, $0["path"] as? String ?? "", Float($0["score"] as? Double ?? .nan))
        }
    }

    /// The expected ranking of the fixture's files for `query`, best first.
    static func expected(_ fixture: Fixture, _ query: [Float], among: [Int]? = nil) -> [(path: String, score: Float)] {
        (among ?? Array(fixture.files.indices)).map { (fixture.files[$0], dot(query, fixture.imageVectors[$0])) }.sorted
        { $0.1 > $1.1 }
    }

    static func assertRanking(
        _ body: [String: Any], _ expected: [(path: String, score: Float)], file: StaticString = #filePath,
        line: UInt = #line
    ) {
        let got = Self.results(body)
        XCTAssertEqual(got.map(\.path), expected.map(\.path), "\(body)", file: file, line: line)
        for (g, e) in zip(got, expected) { XCTAssertEqual(g.score, e.score, accuracy: 1e-5, file: file, line: line) }
    }

    func testTextAndArithmeticSearchRankLikeTheEngine() async throws {
        let fixture = try await makeFixture()
        try await withApp(fixture) { client in
            let text = try ServerFixtures.loaded.embedTexts(["a red square", "red", "square", "circle"])
            let (status, body) = try await client.postJSON("/v1/search", ["query": "a red square", "top_k": 10])
            XCTAssertEqual(status, .ok, "\(body)")
            XCTAssertEqual(body["searched"] as? Int, 5)  // notes.png could not be used: not searched
            Self.assertRanking(body, Self.expected(fixture, text.row(0)))
            let first = (body["results"] as! [[String: Any]])[0]
            let id = first["id"] as! Int
            XCTAssertEqual(first["thumbnail_url"] as? String, "/v1/thumbnails/\(id)")
            XCTAssertEqual(first["image_url"] as? String, "/v1/images/\(id)")

            // clip search's arithmetic: the weighted sum of the parts' embeddings, normalised.
            let sum = (0..<text.shape[1]).map { text.row(1)[$0] + 2 * text.row(2)[$0] - text.row(3)[$0] }
            let (_, arithmetic) = try await client.postJSON("/v1/search", ["query": "red + 2:square - circle"])
            Self.assertRanking(arithmetic, Self.expected(fixture, Self.normalised(sum)))

            // A folder, and paging through it.
            let folder = fixture.root.appendingPathComponent("photos/a").path
            let (_, inA) = try await client.postJSON("/v1/search", ["query": "a red square", "folder": folder])
            XCTAssertEqual(inA["searched"] as? Int, 3)
            Self.assertRanking(inA, Self.expected(fixture, text.row(0), among: [0, 1, 2]))
            let (_, page) = try await client.postJSON("/v1/search", ["query": "a red square", "top_k": 2, "offset": 2])
            Self.assertRanking(page, Array(Self.expected(fixture, text.row(0)).dropFirst(2).prefix(2)))
        }
    }

    func testImageLikeAndVectorQueriesFindTheSamePicture() async throws {
        let fixture = try await makeFixture()
        try await withApp(fixture) { client in
            let png = try Data(contentsOf: URL(fileURLWithPath: fixture.files[3]))
            let (_, json) = try await client.postJSON(
                "/v1/search", ["image": "data:image/png;base64," + png.base64EncodedString(), "top_k": 5])
            Self.assertRanking(json, Self.expected(fixture, fixture.imageVectors[3]))
            XCTAssertEqual(Self.results(json)[0].score, 1, accuracy: 1e-5)

            // The same upload as a multipart form, as curl -F image=@file sends it.
            let (form, contentType) = PredictRouteTests.form([("image", png, true), ("top_k", Data("2".utf8), false)])
            let (status, multipart) = try await client.execute(
                uri: "/v1/search", method: .post, headers: [.contentType: contentType],
                body: ByteBuffer(bytes: form)
            ) { response in
                (
                    response.status,
                    (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:]
                )
            }
            XCTAssertEqual(status, .ok, "\(multipart)")
            Self.assertRanking(multipart, Array(Self.expected(fixture, fixture.imageVectors[3]).prefix(2)))

            // "More like this" by id, and a raw vector.
            let id = Self.results(json)[0].id
            let (_, like) = try await client.postJSON("/v1/search", ["like": id])
            Self.assertRanking(like, Self.expected(fixture, fixture.imageVectors[3]))
            let (_, vector) = try await client.postJSON(
                "/v1/search", ["vector": fixture.imageVectors[1].map(Double.init), "top_k": 1])
            XCTAssertEqual(Self.results(vector).first?.path, fixture.files[1])
        }
    }

    func testClassifyAndRankMatchTheEngine() async throws {
        let fixture = try await makeFixture()
        try await withApp(fixture) { client in
            let loaded = ServerFixtures.loaded
            let labels = ["circle", "square", "triangle", "cross"]
            let classifier = try ZeroShotClassifier(
                text: try loaded.model.requireText(), tokenizer: try loaded.tokenizer(), labels: labels,
                templates: PromptTemplates.simple, logitScale: loaded.model.logitScale)
            let (_, search) = try await client.postJSON("/v1/search", ["query": "a photo", "top_k": 5])
            let hits = Self.results(search)
            let (status, body) = try await client.postJSON(
                "/v1/classify",
                [
                    "labels": "circle, square, triangle, cross", "templates": "simple",
                    "ids": hits.map(\.id), "top_k": 4
                ])
            XCTAssertEqual(status, .ok, "\(body)")
            let results = body["results"] as! [[String: Any]]
            XCTAssertEqual(results.map { $0["path"] as! String }, hits.map(\.path))
            for result in results {
                let i = fixture.files.firstIndex(of: result["path"] as! String)!
                let expected = classifier.probabilities(
                    Tensor(shape: [1, fixture.imageVectors[i].count], values: fixture.imageVectors[i]))[0]
                for prediction in result["predictions"] as! [[String: Any]] {
                    let label = labels.firstIndex(of: prediction["label"] as! String)!
                    XCTAssertEqual(Float(prediction["probability"] as! Double), expected[label], accuracy: 1e-5)
                }
            }
            // Uploaded images classify too (the upload is the same picture as a library file).
            let png = try Data(contentsOf: URL(fileURLWithPath: fixture.files[2]))
            let (_, uploaded) = try await client.postJSON(
                "/v1/classify",
                ["labels": labels, "templates": ["a photo of a {}."], "images": [png.base64EncodedString()]])
            let top = ((uploaded["results"] as! [[String: Any]])[0]["predictions"] as! [[String: Any]])[0]
            let expected = classifier.top(
                1, Tensor(shape: [1, fixture.imageVectors[2].count], values: fixture.imageVectors[2]))[0][0]
            XCTAssertEqual(top["label"] as? String, expected.label)
            XCTAssertEqual(Float(top["probability"] as! Double), expected.probability, accuracy: 1e-4)

            // Rank: the probability of the prompt against the opposing one, best first.
            let texts = try loaded.embedTexts(["a bright picture", "a dark picture"])
            let ranking = PromptRanking(prompt: texts.row(0), versus: texts.row(1), logitScale: loaded.model.logitScale)
            let (_, ranked) = try await client.postJSON(
                "/v1/rank", ["prompt": "a bright picture", "versus": "a dark picture"])
            let scores = fixture.imageVectors.map {
                ranking.score(cosines: [Self.dot($0, texts.row(0)), Self.dot($0, texts.row(1))])
            }
            let got = Self.results(ranked)
            XCTAssertEqual(ranked["scoring"] as? String, "versus")
            XCTAssertEqual(got.count, 5)
            for hit in got {
                XCTAssertEqual(hit.score, scores[fixture.files.firstIndex(of: hit.path)!], accuracy: 1e-5)
            }
            XCTAssertEqual(got.map(\.score), got.map(\.score).sorted(by: >))
        }
    }

    func testImagesAndThumbnailsServeOnlyLibraryFiles() async throws {
        let fixture = try await makeFixture()
        try await withApp(fixture) { client in
            let (_, search) = try await client.postJSON("/v1/search", ["like": 1, "top_k": 1])
            let hit = Self.results(search)[0]
            try await client.execute(uri: "/v1/images/\(hit.id)", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(response.headers[.contentType], "image/png")
                XCTAssertEqual(Data(buffer: response.body), try Data(contentsOf: URL(fileURLWithPath: hit.path)))
            }
            for _ in 0..<2 {  // made once, then read from the cache
                try await client.execute(uri: "/v1/thumbnails/\(hit.id)", method: .get) { response in
                    XCTAssertEqual(response.status, .ok)
                    XCTAssertEqual(response.headers[.contentType], "image/jpeg")
                    let image = try ImageDecoder.decode(Data(buffer: response.body), name: "thumbnail")
                    XCTAssertEqual([image.width, image.height], [80, 60])  // small pictures are not enlarged
                }
            }
            let thumbnails = fixture.library.thumbnails.directory
            let cached =
                FileManager.default.enumerator(atPath: thumbnails.path)?.compactMap { $0 as? String }.filter {
                    $0.hasSuffix(".jpg")
                } ?? []
            XCTAssertEqual(cached.count, 1)
            // Served from the cache from then on: a marker put in its place comes back as is.
            try Data("cached".utf8).write(to: thumbnails.appendingPathComponent(cached[0]))
            try await client.execute(uri: "/v1/thumbnails/\(hit.id)", method: .get) {
                XCTAssertEqual(String(buffer: $0.body), "cached")
            }

            // A library file replaced by a symbolic link to another file is not the file indexed: refused, the
            // image and the thumbnail alike (even with the thumbnail made already).
            try FileManager.default.removeItem(atPath: hit.path)
            try FileManager.default.createSymbolicLink(atPath: hit.path, withDestinationPath: fixture.files[4])
            assertAPIError(
                try await client.send("/v1/images/\(hit.id)", method: .get), .notFound, param: "id",
                "not the file the library indexed")
            assertAPIError(
                try await client.send("/v1/thumbnails/\(hit.id)", method: .get), .notFound, param: "id",
                "not the file the library indexed")

            assertAPIError(
                try await client.send("/v1/images/9999", method: .get), .notFound, param: "id", "no image with id 9999")
            assertAPIError(
                try await client.send("/v1/thumbnails/..%2F..%2Fetc%2Fpasswd", method: .get), .badRequest, param: "id",
                "not an integer")
            assertAPIError(
                try await client.send("/v1/images/-1", method: .get), .notFound, param: "id", "no image with id -1")
        }
    }

    func testBadLibraryRequestsNameTheField() async throws {
        let fixture = try await makeFixture()
        try await withApp(fixture) { client in
            let cases: [(Any, HTTPResponse.Status, String?, String, String)] = [
                ([String: Any](), .badRequest, "query", "nothing to search for", "/v1/search"),
                (["query": ""], .badRequest, "query", "empty", "/v1/search"),
                (["query": "cat + + dog"], .badRequest, "query", "two operators", "/v1/search"),
                (["query": "cat", "top_k": 0], .badRequest, "top_k", "between 1 and 1000", "/v1/search"),
                (["query": "cat", "top_k": "many"], .badRequest, "top_k", "integer", "/v1/search"),
                (["query": "cat", "offset": -1], .badRequest, "offset", "between", "/v1/search"),
                (["query": 7], .badRequest, "query", "must be a string", "/v1/search"),
                (["like": 424242], .notFound, "like", "no image with id 424242", "/v1/search"),
                (["vector": [1, 2, 3]], .badRequest, "vector", "has 3 numbers", "/v1/search"),
                (["vector": Array(repeating: 0, count: 32)], .badRequest, "vector", "all zeros", "/v1/search"),
                (["image": "%%%"], .badRequest, "image", "not valid base64", "/v1/search"),
                (
                    ["image": Data("not an image".utf8).base64EncodedString()], .badRequest, "image",
                    "not a supported image", "/v1/search"
                ),
                (["image": "https://example.com/cat.jpg"], .badRequest, "image", "never fetches", "/v1/search"),
                (["ids": [1]], .badRequest, "labels", "'labels' is required", "/v1/classify"),
                (["labels": [String](), "ids": [1]], .badRequest, "labels", "empty", "/v1/classify"),
                (["labels": "a,b"], .badRequest, "ids", "exactly one of", "/v1/classify"),
                (["labels": "a,b", "ids": [1], "images": ["x"]], .badRequest, "ids", "exactly one of", "/v1/classify"),
                (["labels": "a,b", "ids": [99999]], .notFound, "ids", "no image with id 99999", "/v1/classify"),
                (["labels": "a,b", "ids": ["one"]], .badRequest, "ids", "ids[0] must be an integer", "/v1/classify"),
                (
                    ["labels": "a,b", "ids": [1], "templates": "a photo"], .badRequest, "templates", "has no {}",
                    "/v1/classify"
                ),
                (
                    ["labels": "a,b", "ids": [1], "templates": "/etc/passwd"], .badRequest, "templates", "has no {}",
                    "/v1/classify"
                ),
                (
                    ["labels": "a,b", "images": ["data:image/png,abc"]], .badRequest, "images",
                    "images[0] is a data URI without", "/v1/classify"
                ),
                (
                    ["labels": "a,b", "images": [Data("not an image".utf8).base64EncodedString()]], .badRequest,
                    "images", "images[0]: not a supported image", "/v1/classify"
                ),
                (["versus": "b"], .badRequest, "prompt", "'prompt' is required", "/v1/rank"),
                (["prompt": "a", "threshold": "high"], .badRequest, "threshold", "must be a number", "/v1/rank"),
                (["prompt": "a", "ids": [5555]], .notFound, "ids", "no image with id 5555", "/v1/rank"),
                (["prompt": "a", "ids": [1], "folder": "/tmp"], .badRequest, "ids", "not both", "/v1/rank"),
                (
                    ["query": Array(repeating: "a", count: 40).joined(separator: " + ")], .badRequest, "query",
                    "40 parts; at most 32", "/v1/search"
                )
            ]
            for (body, status, param, fragment, route) in cases {
                assertAPIError(try await client.postJSON(route, body), status, param: param, fragment)
            }
            assertAPIError(
                try await client.send("/v1/search", method: .post, body: Data("{not json".utf8)), .badRequest,
                param: nil, "not a JSON object")
            assertAPIError(
                try await client.send("/v1/duplicates?threshold=2", method: .get), .badRequest, param: "threshold",
                "between 0.5 and 1")
            assertAPIError(
                try await client.postJSON("/v1/search", ["query": "cat", "folder": "/photos/\u{0}a"]), .badRequest,
                param: "folder", "NUL")
            assertAPIError(
                try await client.send("/v1/index", method: .post), .conflict, param: nil, "indexes no folders")
        }
        // Without --library every library route says how to get one.
        try await withApp(nil) { client in
            assertAPIError(
                try await client.postJSON("/v1/search", ["query": "cat"]), .notFound, param: nil, "--library")
            assertAPIError(try await client.send("/v1/images/1", method: .get), .notFound, param: nil, "--library")
        }
    }

    func testIndexingInTheBackgroundIsSeenBySearchAndStatus() async throws {
        let fixture = try await makeFixture(folders: [])
        let photos = fixture.root.appendingPathComponent("photos").path
        let library = try await serve(fixture.store, folders: [photos], root: fixture.root)
        let served = try ServerFixtures.served()
        defer { served.shutdown() }
        try ServerFixtures.png(seed: 9).write(to: fixture.root.appendingPathComponent("photos/b/9.png"))
        let app = Application(router: buildRouter(served, library: library, configuration: ServerConfiguration()))
        try await app.test(.router) { client in
            let (status, started) = try await client.send("/v1/index", method: .post)
            XCTAssertEqual(status, .accepted, "\(started)")
            var state = ""
            for _ in 0..<200 where state != "idle" || started["started"] as? Bool != true {
                try await Task.sleep(nanoseconds: 20_000_000)
                let (_, body) = try await client.send("/v1/index/status", method: .get)
                state = body["state"] as? String ?? ""
                if state == "idle" {
                    XCTAssertEqual((body["last"] as? [String: Any])?["embedded"] as? Int, 1, "\(body)")
                    XCTAssertEqual(body["images"] as? Int, 6)
                    XCTAssertEqual(body["folders"] as? [String], [photos])
                    break
                }
            }
            XCTAssertEqual(state, "idle")
            let (_, search) = try await client.postJSON("/v1/search", ["query": "a photo"])
            XCTAssertEqual(search["searched"] as? Int, 6)
        }
    }
}

/// The same routes through `PooledStore` (what `clip serve --store` uses) over the in-memory store: the
/// library copied from the indexed folder store, every request a call through the pool.
final class LibraryRouteMemoryStoreTests: LibraryRouteTests {
    override func serve(_ store: LibraryDatabase, folders: [String], root: URL) async throws -> ServedLibrary {
        let memory = MemoryStore()
        _ = try await LibraryCopy.copy(from: SQLiteStore(bound: store), to: memory)
        let pool = PooledStore(size: 2, location: memory.location, open: { memory }, usable: { _ in true })
        let opened = OpenedLibrary(
            store: pool, indexer: BackgroundIndexer { (memory, false) },
            thumbnails: ThumbnailCache(directory: root.appendingPathComponent("thumbnails")))
        return ServedLibrary(opened, folders: folders) {
            try ServerFixtures.loaded.imageEmbedder()
        }
    }
}

extension LibraryRouteMemoryStoreTests {
    /// A store that cannot answer (its database is down) is a 503 that says why, and the next request asks
    /// again: once the store is back, it answers.
    func testAStoreThatCannotAnswerIs503UntilItIsBack() async throws {
        let fixture = try await makeFixture()
        let memory = MemoryStore()
        _ = try await LibraryCopy.copy(from: SQLiteStore(bound: fixture.store), to: memory)
        let down = Flag()
        let pool = PooledStore(
            size: 1, location: "postgres://db.example/clip",
            open: {
                if down.value {
                    throw CLIPError.io(
                        file: "postgres://db.example/clip", reason: "cannot connect to the server (connection refused)")
                }
                return memory
            }, usable: { _ in !down.value })
        let opened = OpenedLibrary(
            store: pool, indexer: BackgroundIndexer { (memory, false) },
            thumbnails: ThumbnailCache(directory: fixture.root.appendingPathComponent("thumbnails")))
        let library = ServedLibrary(opened) {
            try ServerFixtures.loaded.imageEmbedder()
        }
        let served = try ServerFixtures.served()
        defer { served.shutdown() }
        try await Application(router: buildRouter(served, library: library, configuration: ServerConfiguration())).test(
            .router
        ) { client in
            let (before, _) = try await client.postJSON("/v1/search", ["query": "a photo"])
            XCTAssertEqual(before, .ok)
            down.value = true
            await pool.close()  // the connections went with the server
            // The client hears that the library cannot be read, not where the database is (the log says that).
            for route in ["/v1/search", "/v1/rank"] {
                let body: [String: Any] = route == "/v1/search" ? ["query": "a photo"] : ["prompt": "a photo"]
                let answer = try await client.postJSON(route, body)
                assertAPIError(answer, .serviceUnavailable, param: nil, "cannot be read right now")
                XCTAssertFalse("\(answer.1)".contains("db.example"), "\(answer.1)")
            }
            let image = try await client.send("/v1/images/1", method: .get)
            assertAPIError(image, .serviceUnavailable, param: nil, "database is unreachable")
            XCTAssertFalse("\(image.1)".contains("db.example"), "\(image.1)")
            down.value = false
            let (after, body) = try await client.postJSON("/v1/search", ["query": "a photo"])
            XCTAssertEqual(after, .ok)
            XCTAssertEqual(body["searched"] as? Int, 5)

            // Another client re-binds the library to a model of another size: a 503 saying so, not a crash.
            _ = try await memory.bind(model: "another model", dimension: 7, replacing: true)
            try await memory.commit(
                embedded: [
                    (
                        IndexedFile(path: fixture.files[0], size: 1, mtime: 1, hash: "h"),
                        [Float](repeating: 0.5, count: 7)
                    )
                ],
                other: [], removed: [])
            let id = try await memory.files(under: fixture.files[0])[fixture.files[0]]!.id!
            assertAPIError(
                try await client.postJSON("/v1/search", ["query": "cat", "like": id]), .serviceUnavailable, param: nil,
                "another model")
            assertAPIError(
                try await client.postJSON("/v1/classify", ["labels": ["cat"], "ids": [id]]), .serviceUnavailable,
                param: nil, "another model")
            assertAPIError(
                try await client.postJSON("/v1/rank", ["prompt": "cat", "ids": [id]]), .serviceUnavailable, param: nil,
                "another model")
        }
    }
}

final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var state = false
    var value: Bool {
        get { lock.withLock { state } }
        set { lock.withLock { state = newValue } }
    }
}

/// The same routes over PostgreSQL + pgvector (a real server; skipped, saying so, without one): the library
/// copied into a schema of its own, dropped afterwards.
final class LibraryRoutePostgresTests: LibraryRouteTests {
    var pool: PooledStore?
    var poolSize = 2

    /// A connection the server dropped (a restart, an administrator, a network blip) is replaced on the
    /// request that finds it gone: the request is answered, not failed.
    func testAConnectionTheServerDroppedIsReplacedByTheRequestThatFindsIt() async throws {
        poolSize = 1
        let fixture = try await makeFixture()
        let pool = try XCTUnwrap(self.pool)
        try await withApp(fixture) { client in
            let (first, _) = try await client.postJSON("/v1/search", ["query": "a photo"])
            XCTAssertEqual(first, .ok)
            let pid = try await pool.with { try await ($0 as! PostgresStore).serverProcessID() }
            // What pg_terminate_backend does.
            XCTAssertEqual(kill(pid, SIGTERM), 0, "the test runs as the server's user or root")
            for _ in 0..<100 where kill(pid, 0) == 0 { try await Task.sleep(nanoseconds: 20_000_000) }
            let (status, body) = try await client.postJSON("/v1/search", ["query": "a photo"])
            XCTAssertEqual(status, .ok, "\(body)")
            XCTAssertEqual(body["searched"] as? Int, 5)
            let again = try await pool.with { try await ($0 as! PostgresStore).serverProcessID() }
            XCTAssertNotEqual(again, pid)
        }
    }

    static var url: String? {
        ProcessInfo.processInfo.environment["CLIP_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    override func serve(_ store: LibraryDatabase, folders: [String], root: URL) async throws -> ServedLibrary {
        guard let base = Self.url else {
            throw XCTSkip(
                """
                    CLIP_TEST_DATABASE_URL is not set: start a server with `scripts/postgres.sh start DIR` and export \
                    the URL it prints (scripts/test.sh does)
                    """
            )
        }
        let url =
            base + (base.contains("?") ? "&" : "?") + "schema=clip_route_"
            + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
        let library = try await PostgresStore.connect(url)
        addTeardownBlock {
            try? await library.dropSchema()
            await library.close()
        }
        let report = try await LibraryCopy.copy(from: SQLiteStore(bound: store), to: library)
        let model = report.model
        let pool = PooledStore(
            size: poolSize, location: library.location, open: { try await PostgresStore.connect(url, holding: model) },
            usable: { ($0 as? PostgresStore)?.isConnected ?? false })
        addTeardownBlock { await pool.close() }
        self.pool = pool
        let opened = OpenedLibrary(
            store: pool, indexer: BackgroundIndexer { (try await PostgresStore.connect(url), true) },
            thumbnails: ThumbnailCache(directory: root.appendingPathComponent("thumbnails")))
        return ServedLibrary(opened, folders: folders) {
            try ServerFixtures.loaded.imageEmbedder()
        }
    }
}

/// The search page's files come from the binary; nothing else is served under /assets.
final class PageRouteTests: XCTestCase {
    func testThePageAndItsAssetsAreServedFromTheBinary() async throws {
        let served = try ServerFixtures.served()
        defer { served.shutdown() }
        try await Application(router: buildRouter(served, configuration: ServerConfiguration())).test(.router) {
            client in
            try await client.execute(uri: "/", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(response.headers[.contentType], "text/html; charset=utf-8")
                let html = String(buffer: response.body)
                XCTAssertTrue(html.contains("<script type=\"module\" src=\"/assets/app.js\">"), html)
                XCTAssertFalse(
                    html.contains("http://") || html.contains("https://"),
                    "the page must not load anything from the network")
            }
            for (name, type) in [
                ("app.js", "text/javascript; charset=utf-8"), ("api.js", "text/javascript; charset=utf-8"),
                ("style.css", "text/css; charset=utf-8"), ("icon.svg", "image/svg+xml")
            ] {
                try await client.execute(uri: "/assets/\(name)", method: .get) { response in
                    XCTAssertEqual(response.status, .ok, name)
                    XCTAssertEqual(response.headers[.contentType], type, name)
                    XCTAssertGreaterThan(response.body.readableBytes, 100, name)
                }
            }
            assertAPIError(
                try await client.send("/assets/..%2FPackage.swift", method: .get), .notFound, param: "name",
                "no page asset")
            assertAPIError(
                try await client.send("/assets/index.htm", method: .get), .notFound, param: "name", "no page asset")
            try await client.execute(uri: "/favicon.ico", method: .get) { XCTAssertEqual($0.status, .ok) }
        }
    }
}
