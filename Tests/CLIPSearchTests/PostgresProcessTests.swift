import CLIP
import CLIPSearch
import CLIPTestSupport
import Foundation
import XCTest

/// `clip` processes sharing one PostgreSQL library, as a family or a team would: indexers at the same time
/// (on different folders and on the same one) with searches meanwhile, `kill -9`, and the database
/// stopping mid-indexing. Each test has a schema of its own.
final class PostgresProcessTests: XCTestCase {
    var url = ""

    override func setUp() async throws {
        url = try postgresSchemaURL(self, prefix: "clip_proc_")
    }

    func start(_ arguments: [String]) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = clipBinary
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return (process, out, err)
    }

    func finish(_ started: (Process, Pipe, Pipe)) -> (status: Int32, out: String, err: String) {
        let out = started.1.fileHandleForReading.readDataToEndOfFile(),
            err = started.2.fileHandleForReading.readDataToEndOfFile()
        started.0.waitUntilExit()
        return (started.0.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    func library() async throws -> PostgresStore {
        let library = try await PostgresStore.connect(url)
        addTeardownBlock { await library.close() }
        return library
    }

    /// Runs `path` and waits for it with posix_spawn/waitpid. Foundation's Process waits for a descriptor
    /// that a daemon started by the child (the PostgreSQL server) inherits, and so would never return.
    static func spawn(_ path: String, _ arguments: [String]) -> Int32 {
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, path, &actions, nil, argv, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status >> 8) & 0xFF
    }

    /// "N files indexed (M new or changed), …": M.
    static func embeddedCount(_ out: String) -> Int {
        guard let range = out.range(of: #"\((\d+) new or changed\)"#, options: .regularExpression) else { return -1 }
        return Int(out[range].dropFirst().prefix { $0.isNumber }) ?? -1
    }

    func testConcurrentIndexersAndASearcherShareOneLibrary() async throws {
        let dir = try temporaryDirectory(self)
        let a = dir.appendingPathComponent("alice"), b = dir.appendingPathComponent("bob"),
            shared = dir.appendingPathComponent("shared")
        let (goodA, badA) = try makeGallery(in: a)
        let (goodB, _) = try makeGallery(in: b)
        let (goodShared, _) = try makeGallery(in: shared)
        let model = SearchFixtures.model.path
        let common = ["--model", model, "--store", url, "--commit-every", "4", "--batch-size", "4"]
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let first = try runClip(["index"] + common + [empty.path])
        XCTAssertEqual(first.status, 0, first.err)
        let server = try ServeProcess.start(["--model", model, "--store", url], in: dir)
        let aliceRun = try start(["index"] + common + [a.path])
        let bobRun = try start(["index"] + common + [b.path])
        let twins = [try start(["index"] + common + [shared.path]), try start(["index"] + common + [shared.path])]
        // Meanwhile, searches from `clip search` and from `clip serve`: each one answers (possibly from a
        // library still filling up).
        var searches = 0, served = 0
        while aliceRun.0.isRunning || bobRun.0.isRunning {
            let search = try runClip([
                "search", "--model", model, "--store", url, "--no-index", "--top", "3", "a photo", a.path
            ])
            XCTAssertEqual(search.status, 0, search.err)
            searches += 1
            for folder in [a.path, b.path] {
                let (status, body) = try await server.request(
                    "/v1/search", ["query": "a photo", "folder": folder, "top_k": 3])
                XCTAssertEqual(status, 200, "\(body)")
                XCTAssertTrue(ServeProcess.paths(body).allSatisfy { $0.hasPrefix(folder + "/") }, "\(body)")
                served += 1
            }
        }
        let alice = finish(aliceRun), bob = finish(bobRun), twinResults = twins.map(finish)
        for run in [alice, bob] + twinResults { XCTAssertEqual(run.status, 0, run.err) }
        XCTAssertGreaterThan(searches, 0)
        XCTAssertGreaterThan(served, 0)
        let (status, everything) = try await server.request("/v1/search", ["query": "a photo", "top_k": 1000])
        XCTAssertEqual(status, 200, "\(everything)")
        XCTAssertEqual(everything["searched"] as? Int, goodA + goodB + goodShared)
        XCTAssertEqual(Set(ServeProcess.paths(everything)).count, goodA + goodB + goodShared)
        XCTAssertEqual(server.stop(), 0)
        XCTAssertEqual(Self.embeddedCount(alice.out), goodA)
        XCTAssertTrue(alice.out.contains("\(badA) failed"), alice.out)
        XCTAssertEqual(Self.embeddedCount(bob.out), Self.embeddedCount(alice.out))
        // Two indexers of one folder: the second waits for the first and finds nothing left to do.
        XCTAssertEqual(
            twinResults.map { Self.embeddedCount($0.out) }.sorted(), [0, goodShared], twinResults.map(\.out).joined())

        let library = try await library()
        let (files, vectors) = try await library.embeddings(under: [])
        XCTAssertEqual(files.count, goodA + goodB + goodShared)
        XCTAssertEqual(Set(files.map(\.path)).count, files.count, "a file stored twice")
        XCTAssertEqual(vectors.count, files.count * 24)
        let failures = try await library.failures(under: [a.path, b.path, shared.path])
        XCTAssertEqual(failures.count, 9)
    }

    func testKillNineAndAStoppedDatabaseLoseAtMostABatch() async throws {
        let dir = try temporaryDirectory(self), gallery = dir.appendingPathComponent("gallery")
        var (good, _) = try makeGallery(in: gallery)
        good += try addPhotos(120, to: gallery)
        let arguments = [
            "index", "--model", SearchFixtures.model.path, "--store", url, "--commit-every", "3", "--batch-size", "3",
            "--threads", "1", gallery.path
        ]
        for delay in [0.4, 0.7, 1.0] {
            let run = try start(arguments)
            try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
            kill(run.0.processIdentifier, SIGKILL)
            _ = finish(run)
        }
        // The database goes away mid-run: the indexer stops with a message naming it; the next run resumes.
        if let folder = ProcessInfo.processInfo.environment["CLIP_TEST_POSTGRES_DIR"] {
            let run = try start(arguments)
            try await Task.sleep(nanoseconds: 500_000_000)
            let script = Repository.url("scripts/postgres.sh").path
            XCTAssertEqual(Self.spawn(script, ["stop", folder]), 0)
            let stopped = finish(run)
            XCTAssertEqual(Self.spawn(script, ["start", folder]), 0)
            let restarted = try String(contentsOfFile: folder + "/url", encoding: .utf8).trimmingCharacters(
                in: .whitespacesAndNewlines)
            XCTAssertEqual(restarted, PostgresStoreTests.url, "the restarted server keeps its URL")
            if stopped.status != 0 {  // (it may have finished before the server went away)
                XCTAssertTrue(
                    stopped.err.contains("127.0.0.1") && stopped.err.split(separator: "\n").count <= 3, stopped.err)
            }
        }
        let final = try runClip(arguments)
        XCTAssertEqual(final.status, 0, final.err)
        let library = try await library()
        let (files, vectors) = try await library.embeddings(under: [gallery.path])
        XCTAssertEqual(files.count, good, "every file exactly once")
        XCTAssertEqual(Set(files.map(\.path)).count, good)
        // The same vectors as an uninterrupted run (into the embedded store).
        let referenceFolder = dir.appendingPathComponent("reference")
        let clean = try runClip(
            arguments.filter { !$0.hasPrefix("postgres") && $0 != "--store" } + ["--library", referenceFolder.path])
        XCTAssertEqual(clean.status, 0, clean.err)
        let stored = try XCTUnwrap(try LibraryDatabase.storedModel(in: referenceFolder))
        let reference = SQLiteStore(directory: referenceFolder)
        try await reference.bind(model: stored.id, dimension: stored.dimension)
        let (referenceFiles, referenceVectors) = try await reference.embeddings(under: [gallery.path])
        XCTAssertEqual(referenceFiles.map(\.path), files.map(\.path))
        var worst: Float = 0
        for i in 0..<(vectors.count) { worst = max(worst, abs(vectors[i] - referenceVectors[i])) }
        XCTAssertLessThan(worst, 1e-5)
    }

    /// `clip serve --store`: while the database is down it answers 503 saying so (and its own health
    /// checks still answer); when the database is back, it answers again, without a restart.
    func testServeAnswers503WhileTheDatabaseIsDownAndRecovers() async throws {
        guard let folder = ProcessInfo.processInfo.environment["CLIP_TEST_POSTGRES_DIR"] else {
            throw XCTSkip(
                """
                    CLIP_TEST_POSTGRES_DIR is not set: this test stops and starts the server scripts/postgres.sh runs \
                    there (scripts/test.sh sets it)
                    """
            )
        }
        let dir = try temporaryDirectory(self), gallery = dir.appendingPathComponent("gallery")
        let (good, _) = try makeGallery(in: gallery)
        let model = SearchFixtures.model.path
        let indexed = try runClip(["index", "--model", model, "--store", url, gallery.path])
        XCTAssertEqual(indexed.status, 0, indexed.err)
        let server = try ServeProcess.start(["--model", model, "--store", url], in: dir)
        let query: [String: Any] = ["query": "a photo", "top_k": 5]
        let (before, expected) = try await server.request("/v1/search", query)
        XCTAssertEqual(before, 200, "\(expected)")
        XCTAssertEqual(expected["searched"] as? Int, good)

        let script = Repository.url("scripts/postgres.sh").path
        XCTAssertEqual(Self.spawn(script, ["stop", folder]), 0)
        do {
            let (status, body) = try await server.request("/v1/search", query)
            XCTAssertEqual(status, 503, "\(body)")
            let message = (body["error"] as? [String: Any])?["message"] as? String ?? ""
            // It says what is wrong, not where the database is: host, port, user and name go to the log.
            XCTAssertTrue(message.contains("cannot be read right now"), message)
            XCTAssertFalse(message.contains("127.0.0.1"), message)
            let (health, _) = try await server.request("/healthz")
            XCTAssertEqual(health, 200)
        }
        XCTAssertEqual(Self.spawn(script, ["start", folder]), 0)
        let (after, answer) = try await server.request("/v1/search", query)
        XCTAssertEqual(after, 200, "\(answer)")
        XCTAssertEqual(ServeProcess.paths(answer), ServeProcess.paths(expected))
        XCTAssertEqual(server.stop(), 0)
    }
}
