import CLIP
import CLIPSearch
import CLIPTestSupport
import Foundation
import Logging
import PostgresNIO
import XCTest

/// Two libraries in one database, as `?schema=` promises: the default one (in public) and one in a
/// schema of its own, each with its own model, indexed, searched, migrated and served side by side. Each
/// test has a database of its own (made by the superuser, with pgvector, dropped afterwards), so the
/// default library's public schema is the test's alone.
final class PostgresSchemaTests: XCTestCase {
    /// A fresh database's URL for the test server's user.
    func makeDatabase() async throws -> String {
        guard let base = PostgresStoreTests.url, var components = URLComponents(string: base) else {
            throw XCTSkip(
                """
                    CLIP_TEST_DATABASE_URL is not set: start a server with `scripts/postgres.sh start DIR` and export \
                    the URL it prints (scripts/test.sh does)
                    """
            )
        }
        guard let folder = ProcessInfo.processInfo.environment["CLIP_TEST_POSTGRES_DIR"],
            let admin = try? String(contentsOfFile: folder + "/admin_url", encoding: .utf8).trimmingCharacters(
                in: .whitespacesAndNewlines)
        else {
            throw XCTSkip(
                """
                    CLIP_TEST_POSTGRES_DIR is not set: this test makes a database as the superuser of the server \
                    scripts/postgres.sh runs there (scripts/test.sh sets it)
                    """
            )
        }
        let name = "clip_two_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
        _ = try await Self.sql(admin, "CREATE DATABASE \(name) OWNER \(components.user ?? "clip")")
        addTeardownBlock { _ = try? await Self.sql(admin, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        var adminComponents = try XCTUnwrap(URLComponents(string: admin))
        adminComponents.path = "/" + name
        _ = try await Self.sql(try XCTUnwrap(adminComponents.string), "CREATE EXTENSION vector")
        components.path = "/" + name
        return try XCTUnwrap(components.string)
    }

    /// Runs one statement at `url` as the user it names; the first column of each row, as text.
    static func sql(_ url: String, _ statement: String) async throws -> [String] {
        let parts = try XCTUnwrap(URLComponents(string: url))
        let configuration = PostgresConnection.Configuration(
            host: parts.host ?? "127.0.0.1", port: parts.port ?? 5432, username: parts.user ?? "",
            password: parts.password, database: String(parts.path.dropFirst()), tls: .disable)
        let logger = Logger(label: "schema-tests")
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        do {
            let rows = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).collect()
            try await connection.close()
            return try rows.map { try $0.decode(String.self) }
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Every file, vector and the bound model of a library, read through a connection of its own.
    struct Contents: Equatable {
        let model: String?
        let dimension: Int?
        let paths: [String]
        let vectors: [Float]

        init(_ url: String) async throws {
            let library = try await PostgresStore.connect(url)
            let stored = try await library.storedModel()
            let (files, vectors) = try await library.embeddings(under: [])
            await library.close()
            model = stored?.id
            dimension = stored?.dimension
            paths = files.map(\.path)
            self.vectors = vectors
        }
    }

    func testTwoLibrariesInTwoSchemasOfOneDatabaseNeverTouchEachOther() async throws {
        let main = try await makeDatabase(), other = main + "?schema=other_library"
        let dir = try temporaryDirectory(self)
        let photosA = dir.appendingPathComponent("a"), photosB = dir.appendingPathComponent("b")
        let (goodA, _) = try makeGallery(in: photosA)
        let (goodB, _) = try makeGallery(in: photosB)
        let modelA = SearchFixtures.model.path, modelB = "synthetic-shapes"  // the bundled model: 64-d

        let first = try runClip(["index", "--model", modelA, "--store", main, photosA.path])
        XCTAssertEqual(first.status, 0, first.err)
        XCTAssertEqual(PostgresProcessTests.embeddedCount(first.out), goodA, first.out)
        let server = try ServeProcess.start(["--model", modelA, "--store", main], in: dir)
        let query: [String: Any] = ["query": "a photo", "top_k": 5]
        let (status, expected) = try await server.request("/v1/search", query)
        XCTAssertEqual(status, 200, "\(expected)")
        let mainBefore = try await Contents(main)
        XCTAssertEqual(mainBefore.paths.count, goodA)
        XCTAssertEqual(mainBefore.dimension, 24)

        // The second library: another model, another folder; indexed twice (the second run migrates and
        // binds an existing schema, and finds nothing to do).
        let second = try runClip(["index", "--model", modelB, "--store", other, photosB.path])
        XCTAssertEqual(second.status, 0, second.err)
        XCTAssertEqual(PostgresProcessTests.embeddedCount(second.out), goodB, second.out)
        let again = try runClip(["index", "--model", modelB, "--store", other, photosB.path])
        XCTAssertEqual(again.status, 0, again.err)
        XCTAssertEqual(PostgresProcessTests.embeddedCount(again.out), 0, again.out)
        let otherContents = try await Contents(other)
        XCTAssertEqual(otherContents.dimension, 64)
        XCTAssertNotEqual(otherContents.model, mainBefore.model)
        XCTAssertEqual(otherContents.paths.count, goodB)
        XCTAssertTrue(otherContents.paths.allSatisfy { $0.hasPrefix(photosB.path + "/") }, "\(otherContents.paths)")
        // Searched over the folder above both galleries: only its own.
        let searchB = try runClip([
            "search", "--model", modelB, "--store", other, "--no-index", "--paths", "--top", "100", "a photo", dir.path
        ])
        XCTAssertEqual(searchB.status, 0, searchB.err)
        XCTAssertEqual(searchB.out.components(separatedBy: photosB.path + "/").count - 1, goodB, searchB.out)
        XCTAssertFalse(searchB.out.contains(photosA.path + "/"), searchB.out)

        // The default library: its server still answers, the same; the same files, vectors and model.
        let (stillStatus, still) = try await server.request("/v1/search", query)
        XCTAssertEqual(stillStatus, 200, "\(still)")
        XCTAssertEqual(ServeProcess.paths(still), ServeProcess.paths(expected))
        XCTAssertEqual(server.stop(), 0)
        let mainAfter = try await Contents(main)
        XCTAssertEqual(mainAfter, mainBefore)
        let reindexA = try runClip(["index", "--model", modelA, "--store", main, photosA.path])
        XCTAssertEqual(reindexA.status, 0, reindexA.err)
        XCTAssertEqual(
            PostgresProcessTests.embeddedCount(reindexA.out), 0, "the default library was re-embedded: \(reindexA.out)")
        let otherAfter = try await Contents(other)
        XCTAssertEqual(otherAfter, otherContents)

        // Each schema holds its own tables, meta and migrations.
        let tables = try await Self.sql(
            main,
            """
            SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_name LIKE 'clip%' \
            ORDER BY 1
            """)
        let names = ["clip_embeddings", "clip_files", "clip_meta", "clip_migrations"]
        XCTAssertEqual(tables, names.map { "other_library." + $0 } + names.map { "public." + $0 })
        for (schema, dimension) in [("public", "24"), ("other_library", "64")] {
            let versions = try await Self.sql(main, "SELECT version::text FROM \(schema).clip_migrations")
            XCTAssertEqual(versions, ["1"], schema)
            let stored = try await Self.sql(main, "SELECT value FROM \(schema).clip_meta WHERE key = 'dimension'")
            XCTAssertEqual(stored, [dimension], schema)
        }
    }

    /// Advisory locks are the database's: each library's keys name its schema, so indexing the same
    /// folder into two libraries at once does not wait.
    func testTheSameFolderIndexedIntoTwoSchemasAtOnceDoesNotWait() async throws {
        let main = try await makeDatabase()
        let first = try await PostgresStore.connect(main)
        let second = try await PostgresStore.connect(main + "?schema=second_library")
        let same = try await PostgresStore.connect(main)
        addTeardownBlock {
            await first.close()
            await second.close()
            await same.close()
        }
        let entered = SetOnce(), twinEntered = SetOnce()
        // (The other indexers run as tasks, awaited after this one lets go: one that waits for it must.)
        let (other, twin) = try await first.indexing("/photos") { () -> (Task<Void, Error>, Task<Void, Error>) in
            let other = Task { try await second.indexing("/photos") { entered.set() } }
            let deadline = Date().addingTimeInterval(10)
            while !entered.isSet, Date() < deadline { try await Task.sleep(nanoseconds: 20_000_000) }
            XCTAssertTrue(entered.isSet, "the other schema's indexer of the folder waited for this one")
            // The lock still keeps a second indexer of the folder into the same library waiting.
            let twin = Task { try await same.indexing("/photos") { twinEntered.set() } }
            try await Task.sleep(nanoseconds: 500_000_000)
            XCTAssertFalse(twinEntered.isSet, "two indexers of one folder into one library ran at once")
            return (other, twin)
        }
        try await other.value
        try await twin.value
        XCTAssertTrue(twinEntered.isSet)
    }
}

/// The URL's schema parameter, checked before anything connects: a bad one would put a library in the
/// wrong place (a misspelt or empty parameter in the default library, whose model a bind replaces).
final class PostgresURLSchemaTests: XCTestCase {
    func testABadSchemaParameterIsRefusedNamingIt() async throws {
        // Port 1: nothing listens there, so only a URL that passes the check gets as far as connecting.
        let server = "postgres://clip@127.0.0.1:1/photos"
        let refused: [(query: String, says: String)] = [
            ("?shema=other", "parameter 'shema' is not supported"),
            ("?sslmode=require", "parameter 'sslmode' is not supported"),
            ("?schema=", "schema parameter is empty"),
            ("?schema", "schema parameter is empty"),
            ("?schema=a&schema=b", "schema parameter twice"),
            ("?schema=Other", "schema parameter 'Other' must be"),
            ("?schema=x%22%3B%20DROP%20TABLE%20y", "must be 1–63 lower-case letters"),
            ("?schema=9lives", "schema parameter '9lives' must be"),
            ("?schema=pg_catalog", "not public, information_schema or pg_"),
            ("?schema=information_schema", "not public, information_schema or pg_"),
            ("?schema=" + String(repeating: "a", count: 64), "must be 1–63")
        ]
        for (query, says) in refused {
            do {
                let library = try await PostgresStore.connect(server + query)
                await library.close()
                XCTFail("\(query) was accepted")
            } catch {
                XCTAssertTrue("\(error)".contains(says) && "\(error)".hasPrefix("--store: "), "\(query): \(error)")
            }
        }
        // A good name passes the check and meets the (absent) server.
        do {
            _ = try await PostgresStore.connect(server + "?schema=" + String(repeating: "a", count: 63))
            XCTFail("connected to port 1")
        } catch {
            XCTAssertTrue("\(error)".contains("connection refused"), "\(error)")
        }
    }
}

final class SetOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
