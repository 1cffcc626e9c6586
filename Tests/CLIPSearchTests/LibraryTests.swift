import CLIP
import CLIPSearch
import CLIPTestSupport
import Foundation
import XCTest

/// The same library suite against every store: incremental updates, moves, deletions, failures recorded
/// once, search and folder filters, near-duplicates, model changes. Subclasses say which store.
class LibraryStoreSuite: XCTestCase {
    /// A fresh, empty, unbound store; nil skips (the subclass says why).
    func makeLibrary(_ folder: URL) async throws -> any LibraryStore { fatalError("a subclass names the store") }

    /// A store-specific consistency check after each step.
    func assertConsistent(_ library: any LibraryStore, file: StaticString = #filePath, line: UInt = #line) throws {}

    override func perform(_ run: XCTestRun) {
        // The suite itself (this base class) has no store: only its subclasses run.
        if type(of: self) != LibraryStoreSuite.self { super.perform(run) }
    }

    func testIndexingIsIncrementalAndRecordsFailuresOnce() async throws {
        let dir = try temporaryDirectory(self), gallery = dir.appendingPathComponent("gallery")
        let (good, bad) = try makeGallery(in: gallery)
        let m = try SearchModel()
        let library = try await makeLibrary(dir.appendingPathComponent("lib"))
        let replaced = try await library.bind(model: m.id, dimension: 24)
        XCTAssertNil(replaced)
        let indexer = Indexer(library: library, commitEvery: 5)
        let first = try await indexer.update(try await indexer.plan(roots: [gallery.path]), embedder: m.embedder)
        XCTAssertEqual(first.embedded, good)
        XCTAssertEqual(first.failed, bad)
        let failures = try await library.failures(under: [gallery.path])
        XCTAssertEqual(
            failures.map { URL(fileURLWithPath: $0.path).lastPathComponent },
            ["empty.jpg", "notes.png", "truncated.jpg"])
        XCTAssertTrue(failures[0].error!.contains("empty"), failures[0].error!)
        try assertConsistent(library)

        // Nothing changed: nothing to do, failures are not retried.
        let again = try await indexer.plan(roots: [gallery.path])
        XCTAssertTrue(again.isEmpty)
        XCTAssertEqual(again.unchanged, good + bad)

        // A move keeps its record and vector; a deletion drops the record; a changed file is embedded again.
        let fm = FileManager.default
        let before = try await library.files(under: gallery.path)
        let movedFrom = gallery.appendingPathComponent("c00.png").path,
            movedTo = gallery.appendingPathComponent("stripes/renamed.png").path
        let (ids, vectors) = try await library.embeddings(under: [gallery.path])
        let movedVector = Array(vectors[(ids.firstIndex { $0.path == movedFrom }! * 24)...].prefix(24))
        try fm.moveItem(atPath: movedFrom, toPath: movedTo)
        try fm.removeItem(at: gallery.appendingPathComponent("c01.png"))
        try fm.removeItem(at: gallery.appendingPathComponent("c02.png"))
        try fm.copyItem(at: gallery.appendingPathComponent("c03.png"), to: gallery.appendingPathComponent("c02.png"))
        let plan = try await indexer.plan(roots: [gallery.path])
        XCTAssertEqual(plan.moved.count, 1)
        let report = try await indexer.update(plan, embedder: m.embedder)
        XCTAssertEqual(report.moved, 1)
        XCTAssertEqual(report.removed, 1)
        XCTAssertEqual(report.embedded, 1)
        let after = try await library.files(under: gallery.path)
        XCTAssertEqual(after[movedTo]?.id, before[movedFrom]?.id)
        XCTAssertNil(after[movedFrom])
        let (idsAfter, vectorsAfter) = try await library.embeddings(under: [gallery.path])
        XCTAssertEqual(
            Array(vectorsAfter[(idsAfter.firstIndex { $0.path == movedTo }! * 24)...].prefix(24)), movedVector)
        XCTAssertEqual(idsAfter.count, good - 1)
        XCTAssertEqual(Set(idsAfter.map(\.path)).count, idsAfter.count)
        try assertConsistent(library)
    }

    func testSearchFindsTheImageItselfFoldersFilterAndDuplicatesGroup() async throws {
        let dir = try temporaryDirectory(self), gallery = dir.appendingPathComponent("gallery")
        _ = try makeGallery(in: gallery)
        let m = try SearchModel()
        let library = try await makeLibrary(dir.appendingPathComponent("lib"))
        try await library.bind(model: m.id, dimension: 24)
        let indexer = Indexer(library: library)
        _ = try await indexer.update(try await indexer.plan(roots: [gallery.path]), embedder: m.embedder)
        let probe = gallery.appendingPathComponent("stripes/05.png").path
        let vector = try m.embedder.embed(files: [probe]).row(0)
        for mode in [
            SearchMode.exact, .approximate(efSearch: nil), .approximate(efSearch: 200),
            .reranked(candidates: 20, efSearch: nil)
        ] {
            let results = try await LibrarySearch.search(
                library, roots: [gallery.path], query: vector, k: 5, mode: mode)
            XCTAssertEqual(results.first?.path, probe, "\(mode)")
            XCTAssertEqual(results.first?.score ?? 0, 1, accuracy: 1e-5)
            XCTAssertEqual(results.map(\.score), results.map(\.score).sorted(by: >))
            // A subfolder returns only files under it (and all of them when k allows).
            let stripes = gallery.appendingPathComponent("stripes").path
            let sub = try await LibrarySearch.search(library, roots: [stripes], query: vector, k: 100, mode: mode)
            XCTAssertEqual(sub.count, 12, "\(mode)")
            XCTAssertTrue(sub.allSatisfy { $0.path.hasPrefix(stripes + "/") })
        }
        // The scores are the inner products with the stored vectors; re-ranked candidates give the exact top k.
        let (files, vectors) = try await library.embeddings(under: [])
        let exact = try await LibrarySearch.search(library, roots: [], query: vector, k: 3, mode: .exact)
        let reranked = try await LibrarySearch.search(
            library, roots: [], query: vector, k: 3, mode: .reranked(candidates: 40, efSearch: nil))
        XCTAssertEqual(reranked.map(\.path), exact.map(\.path))
        for hit in exact {
            let i = files.firstIndex { $0.path == hit.path }!
            XCTAssertEqual(
                hit.score, zip(vector, vectors[(i * 24)..<(i * 24 + 24)]).reduce(0) { $0 + $1.0 * $1.1 }, accuracy: 1e-5
            )
        }
        // Duplicates: a copy of a file is found with it.
        try FileManager.default.copyItem(atPath: probe, toPath: gallery.appendingPathComponent("copy of 05.png").path)
        _ = try await indexer.update(try await indexer.plan(roots: [gallery.path]), embedder: m.embedder)
        let groups = try await NearDuplicates.groups(library, roots: [gallery.path], threshold: 0.99999)
        XCTAssertTrue(
            groups.contains { Set($0.map(\.path)) == [probe, gallery.appendingPathComponent("copy of 05.png").path] },
            "\(groups)")
    }

    func testChangingTheModelClearsVectorsAndReindexes() async throws {
        let dir = try temporaryDirectory(self), gallery = dir.appendingPathComponent("gallery")
        let (good, bad) = try makeGallery(in: gallery)
        let m = try SearchModel()
        let library = try await makeLibrary(dir.appendingPathComponent("lib"))
        try await library.bind(model: m.id, dimension: 24)
        _ = try await Indexer(library: library).update(roots: [gallery.path]) { m.embedder }
        let same = try await library.bind(model: m.id, dimension: 24)
        XCTAssertNil(same, "the same model again changes nothing")
        let kept = try await library.embeddings(under: []).files.count
        XCTAssertEqual(kept, good)
        // Another model is refused, naming both and how many files re-indexing would embed; nothing changes.
        do {
            try await library.bind(model: "another model", dimension: 24)
            XCTFail("another model took the library over without being asked to")
        } catch let mismatch as LibraryModelMismatch {
            XCTAssertEqual(mismatch.stored.id, m.id)
            XCTAssertEqual(mismatch.requested.id, "another model")
            XCTAssertEqual(mismatch.files, good + bad)
        }
        let untouched = try await library.embeddings(under: []).files.count
        XCTAssertEqual(untouched, good)
        let replaced = try await library.bind(model: "another model", dimension: 24, replacing: true)
        XCTAssertEqual(replaced, m.id)
        let cleared = try await library.embeddings(under: []).files.count
        XCTAssertEqual(cleared, 0)
        let plan = try await Indexer(library: library).plan(roots: [gallery.path])
        XCTAssertEqual(
            plan.toEmbed.count, good + bad, "every file, the failed ones included, is tried again with the new model")
        // A different dimension is a model change too: a vector of the old size is refused, never stored.
        let wider = try await library.bind(model: "another model", dimension: 32, replacing: true)
        XCTAssertEqual(wider, "another model")
        let file = IndexedFile(path: gallery.appendingPathComponent("c00.png").path, size: 1, mtime: 1, hash: "x")
        do {
            try await library.commit(embedded: [(file, [Float](repeating: 0.1, count: 24))], other: [], removed: [])
            XCTFail("a 24-float vector went into a 32-d library")
        } catch {
            XCTAssertTrue("\(error)".contains("24-float vector"), "\(error)")
        }
    }

    /// `clip library export`: to another store and back, every record with its vector or its error, under
    /// the same model, with nothing embedded again.
    /// A library records how to load its model (its spec), also when it was bound before specs were
    /// recorded; the spec does not decide whether vectors are valid, the identity does.
    func testTheModelsSpecIsRecordedBesideItsIdentity() async throws {
        let library = try await makeLibrary(try temporaryDirectory(self).appendingPathComponent("lib"))
        try await library.bind(model: "m", dimension: 24)
        let before = try await library.storedModel()
        XCTAssertEqual(before, LibraryModel(id: "m", dimension: 24))
        let spec = ModelSpec(model: "/models/m", modelName: "ViT-B-32", precision: .int8)
        let same = try await library.bind(LibraryModel(id: "m", dimension: 24, spec: spec), replacing: false)
        XCTAssertNil(same, "the same weights: nothing replaced")
        let after = try await library.storedModel()
        XCTAssertEqual(after, LibraryModel(id: "m", dimension: 24, spec: spec))
        XCTAssertEqual(after?.name, "/models/m (ViT-B-32) precision int8")
        XCTAssertEqual(ModelSpec(json: spec.json), spec)
    }

    /// Indexing records its folders (none inside another); removing a folder drops its files and their
    /// vectors through the indexer's path for deleted files, and forgets the folders at or under it.
    func testFoldersAreRecordedAndRemovingOneDropsItsFiles() async throws {
        let dir = try temporaryDirectory(self), gallery = dir.appendingPathComponent("gallery")
        let more = dir.appendingPathComponent("more"), inner = more.appendingPathComponent("inner")
        let (good, bad) = try makeGallery(in: gallery)
        try FileManager.default.createDirectory(at: inner, withIntermediateDirectories: true)
        let extra = try addPhotos(4, to: more), innerPhotos = try addPhotos(2, to: inner)
        let m = try SearchModel()
        let library = try await makeLibrary(dir.appendingPathComponent("lib"))
        try await library.bind(model: m.id, dimension: 24)
        let indexer = Indexer(library: library)
        _ = try await indexer.update(roots: [inner.path]) { m.embedder }
        let first = try await library.folders()
        XCTAssertEqual(first, [inner.path])
        _ = try await indexer.update(roots: [gallery.path, more.path]) { m.embedder }
        _ = try await indexer.update(roots: [inner.path]) { m.embedder }
        let folders = try await library.folders()
        XCTAssertEqual(
            folders, [gallery.path, more.path], "more takes its inner folder's place; nothing inside it is added")
        let all = try await library.tally(under: [])
        XCTAssertEqual(
            all,
            LibraryTally(files: good + bad + extra + innerPhotos, embedded: good + extra + innerPhotos, failed: bad))

        let stripes = try await indexer.remove(folder: gallery.appendingPathComponent("stripes").path)
        XCTAssertEqual(stripes.removed, 12)
        let leftInGallery = try await library.tally(under: [gallery.path])
        XCTAssertEqual(leftInGallery, LibraryTally(files: good + bad - 12, embedded: good - 12, failed: bad))
        let stripeVectors = try await library.embeddings(under: [gallery.appendingPathComponent("stripes").path]).files
            .count
        XCTAssertEqual(stripeVectors, 0)
        let kept = try await library.folders()
        XCTAssertEqual(kept, [gallery.path, more.path], "a folder inside one of the library's is not one of its own")

        let removed = try await indexer.remove(folder: more.path)
        XCTAssertEqual(removed.removed, extra + innerPhotos)
        let remaining = try await library.folders()
        XCTAssertEqual(remaining, [gallery.path])
        let hits = try await library.nearest([Float](repeating: 0.2, count: 24), k: 100, under: [], mode: .exact)
        XCTAssertEqual(hits.count, good - 12)
        XCTAssertTrue(
            hits.allSatisfy { $0.path.hasPrefix(gallery.path + "/") && !$0.path.contains("/stripes/") },
            "\(hits.map(\.path))")
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: more.path).count, extra + 1,
            "the pictures on disk are untouched (and the inner folder)")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: inner.path).count, innerPhotos)
        try assertConsistent(library)
    }

    func testCopyingToAnotherStoreAndBackKeepsEverything() async throws {
        let dir = try temporaryDirectory(self), gallery = dir.appendingPathComponent("gallery")
        let (good, bad) = try makeGallery(in: gallery)
        let m = try SearchModel()
        let original = try await makeLibrary(dir.appendingPathComponent("lib"))
        try await original.bind(model: m.id, dimension: 24)
        _ = try await Indexer(library: original).update(roots: [gallery.path]) { m.embedder }
        let middle = MemoryStore()
        let there = try await LibraryCopy.copy(from: original, to: middle, batch: 7)
        XCTAssertEqual([there.embedded, there.failed], [good, bad])
        let back = try await makeLibrary(dir.appendingPathComponent("back"))
        _ = try await LibraryCopy.copy(from: middle, to: back, batch: 7)
        let model = try await back.storedModel()
        XCTAssertEqual(model?.id, m.id)
        let (files, vectors) = try await original.embeddings(under: [])
        let (copiedFiles, copiedVectors) = try await back.embeddings(under: [])
        XCTAssertEqual(copiedFiles.map(\.path), files.map(\.path))
        XCTAssertEqual(copiedVectors, vectors)
        let failures = try await back.failures(under: [gallery.path])
        let originalFailures = try await original.failures(under: [gallery.path])
        XCTAssertEqual(failures.map(\.path), originalFailures.map(\.path))
        // Nothing left to do for the indexer: the copy is a complete library.
        let plan = try await Indexer(library: back).plan(roots: [gallery.path])
        XCTAssertTrue(
            plan.isEmpty, "\(plan.toEmbed.count) to embed, \(plan.moved.count) moved, \(plan.removed.count) removed")
    }

    func testUpdateAsksForTheImageTowerOnlyWhenSomethingNeedsEmbedding() async throws {
        let dir = try temporaryDirectory(self), gallery = dir.appendingPathComponent("gallery")
        _ = try makeGallery(in: gallery)
        let loaded = try LoadedModel.load(SearchFixtures.model, towers: .vision)
        let library = try await makeLibrary(dir.appendingPathComponent("lib"))
        try await library.bind(loaded)
        let indexer = Indexer(library: library)
        let asked = Counter(), reports = Reports()
        let first = try await indexer.update(
            roots: [gallery.path],
            makeEmbedder: {
                asked.add()
                return try loaded.imageEmbedder(batchSize: 4)
            }, progress: { reports.add($0, $1) })
        XCTAssertEqual(asked.value, 1)
        XCTAssertEqual(first.report.embedded, 25)
        XCTAssertEqual(first.report.failed, 3)
        XCTAssertEqual(reports.all.first?.0, 0, "told the total before the first file")
        XCTAssertEqual(reports.all.last.map { [$0.0, $0.1] }, [28, 28])
        let second = try await indexer.update(
            roots: [gallery.path],
            makeEmbedder: {
                asked.add()
                return try loaded.imageEmbedder()
            })
        XCTAssertEqual(asked.value, 1, "an up-to-date library never loads the image tower")
        XCTAssertTrue(second.plan.isEmpty)
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

final class Reports: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [(Int, Int)] = []
    func add(_ done: Int, _ total: Int) { lock.withLock { list.append((done, total)) } }
    var all: [(Int, Int)] { lock.withLock { list } }
}

final class MemoryStoreTests: LibraryStoreSuite {
    override func makeLibrary(_ folder: URL) async throws -> any LibraryStore { MemoryStore() }

    /// Binding is a step of its own: an unbound store refuses to store vectors.
    func testAnUnboundStoreRefusesVectors() async throws {
        let library = MemoryStore()
        do {
            try await library.commit(
                embedded: [(IndexedFile(path: "/a.png", size: 1, mtime: 1, hash: "h"), [1])], other: [], removed: [])
            XCTFail("stored a vector without a model")
        } catch {
            XCTAssertTrue("\(error)".contains("not bound"), "\(error)")
        }
    }
}

/// The pool is a store too: the suite through a pool over one memory store. Three stores, since the
/// indexer nests `indexing`, `bulkInsert` and `commit`, each holding one.
final class PooledStoreTests: LibraryStoreSuite {
    override func makeLibrary(_ folder: URL) async throws -> any LibraryStore {
        let memory = MemoryStore()
        return PooledStore(size: 3, location: memory.location, open: { memory }, usable: { _ in true })
    }
}

final class SQLiteStoreTests: LibraryStoreSuite {
    override func makeLibrary(_ folder: URL) async throws -> any LibraryStore { SQLiteStore(directory: folder) }

    override func assertConsistent(_ library: any LibraryStore, file: StaticString = #filePath, line: UInt = #line)
        throws
    {
        XCTAssertEqual(try (library as! SQLiteStore).database().check(), [], file: file, line: line)
    }

    /// The embedded store above its size limit searches through its HNSW file, kept in step with it.
    func testAboveTheLimitSearchGoesThroughTheHNSWFile() async throws {
        let dir = try temporaryDirectory(self), gallery = dir.appendingPathComponent("gallery")
        _ = try makeGallery(in: gallery)
        let m = try SearchModel()
        let library = SQLiteStore(directory: dir.appendingPathComponent("lib"), approximateAbove: 3)
        try await library.bind(model: m.id, dimension: 24)
        _ = try await Indexer(library: library).update(roots: [gallery.path]) { m.embedder }
        let probe = gallery.appendingPathComponent("stripes/05.png").path
        let vector = try m.embedder.embed(files: [probe]).row(0)
        let approximate = try await LibrarySearch.search(library, roots: [gallery.path], query: vector, k: 5)
        XCTAssertEqual(approximate.first?.path, probe)
        XCTAssertTrue(
            FileManager.default.fileExists(atPath: library.directory.appendingPathComponent("index.hnsw").path))
        XCTAssertEqual(try library.database().approximateIndex().index.count, 25)
        let stripes = gallery.appendingPathComponent("stripes").path
        let sub = try await LibrarySearch.search(library, roots: [stripes], query: vector, k: 100)
        XCTAssertEqual(sub.count, 12, "filtered to the folder, falling back to exact when short")
    }
}

/// PostgreSQL + pgvector: a real server (`scripts/postgres.sh`, started by the test command), each test in
/// a schema of its own, dropped afterwards.
final class PostgresStoreTests: LibraryStoreSuite {
    static var url: String? {
        ProcessInfo.processInfo.environment["CLIP_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    override func makeLibrary(_ folder: URL) async throws -> any LibraryStore {
        guard let url = Self.url else {
            throw XCTSkip(
                """
                    CLIP_TEST_DATABASE_URL is not set: start a server with `scripts/postgres.sh start DIR` and export \
                    the URL it prints (scripts/test.sh does)
                    """
            )
        }
        let schema = "clip_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
        let library = try await PostgresStore.connect(url + (url.contains("?") ? "&" : "?") + "schema=\(schema)")
        addTeardownBlock {
            try? await library.dropSchema()
            await library.close()
        }
        return library
    }

    /// A load at least as large as the library goes in without the HNSW index, which is built afterwards
    /// (also when the load fails); searches meanwhile are exact.
    func testABulkLoadSetsTheIndexAsideAndBuildsItAfter() async throws {
        let library = try await makeLibrary(URL(fileURLWithPath: "/unused")) as! PostgresStore
        try await library.bind(model: "m", dimension: 3)
        @Sendable func hasIndex() async throws -> Bool { try await library.hasApproximateIndex() }
        let before = try await hasIndex()
        XCTAssertTrue(before)
        let file = IndexedFile(path: "/photos/a.jpg", size: 1, mtime: 1, hash: "h")
        let during = try await library.bulkInsert(rows: 5000) {
            try await library.commit(embedded: [(file, [1, 0, 0])], other: [], removed: [])
            let hits = try await library.nearest([1, 0, 0], k: 1, under: [], mode: .approximate(efSearch: nil))
            XCTAssertEqual(hits.map(\.path), ["/photos/a.jpg"])
            return try await hasIndex()
        }
        XCTAssertFalse(during)
        let after = try await hasIndex()
        XCTAssertTrue(after)
        do {
            _ = try await library.bulkInsert(rows: 5000) { () async throws -> Int in
                throw CLIPError.invalidArgument("a failed load")
            }
            XCTFail("the load's error was lost")
        } catch {}
        let afterFailure = try await hasIndex()
        XCTAssertTrue(afterFailure)
    }

    /// A client that bound one model never stores vectors into a library another client re-bound to another.
    func testAnotherClientsRebindIsNeverMixedWithThisClientsVectors() async throws {
        let first = try await makeLibrary(URL(fileURLWithPath: "/unused")) as! PostgresStore
        try await first.bind(model: "model A", dimension: 3)
        let schema = first.location.components(separatedBy: "?schema=").last!
        let second = try await PostgresStore.connect(
            Self.url! + (Self.url!.contains("?") ? "&" : "?") + "schema=\(schema)")
        defer { Task { await second.close() } }
        let previous = try await second.bind(model: "model B", dimension: 3, replacing: true)
        XCTAssertEqual(previous, "model A")
        do {
            try await first.commit(
                embedded: [(IndexedFile(path: "/a.jpg", size: 1, mtime: 1, hash: "h"), [1, 0, 0])], other: [],
                removed: [])
            XCTFail("model A's vector went into model B's library")
        } catch {
            XCTAssertTrue("\(error)".contains("re-bound the library to model B"), "\(error)")
        }
        do {
            _ = try await PostgresStore.connect("postgres://u@127.0.0.1:1/db?schema=public")
            XCTFail("a library in the public schema (dropSchema would drop pgvector with it)")
        } catch {
            XCTAssertTrue("\(error)".contains("not public"), "\(error)")
        }
    }

    /// Faults at connect time are one line that names the server and says what to do.
    func testConnectFailuresAreOneLineThatSayWhatToDo() async throws {
        guard let url = Self.url, let components = URLComponents(string: url) else {
            throw XCTSkip(
                """
                    CLIP_TEST_DATABASE_URL is not set: start a server with `scripts/postgres.sh start DIR` and export \
                    the URL it prints (scripts/test.sh does)
                    """
            )
        }
        func failure(_ text: String) async -> String {
            do {
                let library = try await PostgresStore.connect(text)
                await library.close()
                return "connected"
            } catch {
                return "\(error)"
            }
        }
        // Nothing listens on the port: unreachable, named without its password.
        var closed = components
        closed.port = 1
        let unreachable = await failure(closed.string!)
        XCTAssertTrue(unreachable.contains("127.0.0.1:1") && unreachable.contains("cannot connect"), unreachable)
        XCTAssertFalse(unreachable.contains("\n"))
        if let password = components.password {
            XCTAssertFalse(unreachable.contains(":" + password + "@"), unreachable)
        }
        // A wrong password.
        var wrong = components
        wrong.password = "not-the-password"
        let refused = await failure(wrong.string!)
        XCTAssertTrue(refused.contains("password") && refused.contains("check the user and password"), refused)
        // A database without pgvector (the test server has one: `clip_novector`).
        var plain = components
        plain.path = "/clip_novector"
        let novector = await failure(plain.string!)
        XCTAssertTrue(novector.contains("CREATE EXTENSION vector") || novector.contains("pgvector"), novector)
        // Not a URL at all.
        let malformed = await failure("postgres://nobody")
        XCTAssertTrue(malformed.contains("--store"), malformed)
    }
}

/// What only the embedded store has: its vector file.
final class SQLiteVectorFileTests: XCTestCase {
    func testVectorsWrittenWithoutACommitAreDiscarded() throws {
        let dir = try temporaryDirectory(self), gallery = dir.appendingPathComponent("gallery")
        _ = try makeGallery(in: gallery)
        let m = try SearchModel()
        let lib = dir.appendingPathComponent("lib")
        var committed = 0
        do {
            let store = try m.indexedLibrary(at: lib, gallery: gallery)
            committed = try store.liveRows(under: [gallery.path]).count
        }
        // A killed run appended vectors but never committed: the file is longer than the database says.
        let handle = try FileHandle(forWritingTo: lib.appendingPathComponent("vectors.f32"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(repeating: 0x7F, count: 24 * 4 * 3 + 5))
        try handle.close()
        let reopened = try LibraryDatabase(directory: lib, modelID: m.id, dimension: 24)
        XCTAssertEqual(try reopened.check(), [])
        XCTAssertEqual(try reopened.vectorRows().count, committed * 24)
    }

    func testTruncatedVectorFileIsAClearError() throws {
        let dir = try temporaryDirectory(self), gallery = dir.appendingPathComponent("gallery")
        _ = try makeGallery(in: gallery)
        let m = try SearchModel()
        let lib = dir.appendingPathComponent("lib")
        try m.indexedLibrary(at: lib, gallery: gallery)
        let vectors = lib.appendingPathComponent("vectors.f32")
        let handle = try FileHandle(forWritingTo: vectors)
        try handle.truncate(atOffset: 24 * 4 * 2)
        try handle.close()
        XCTAssertThrowsError(try LibraryDatabase(directory: lib, modelID: m.id, dimension: 24)) { error in
            let text = "\(error)"
            XCTAssertTrue(
                text.contains(vectors.path) && text.contains("holds 2 vectors")
                    && text.contains("delete the library folder"), text)
        }
    }

    func testTheIdentityCarriesThePrecision() throws {
        let loaded = try LoadedModel.load(SearchFixtures.model, towers: .vision)
        let int8 = try LoadedModel.load(
            SearchFixtures.model, towers: .vision, packing: LinearPacking(.int8, kernels: .reference))
        XCTAssertEqual(int8.id, loaded.id + " precision int8")
    }
}
