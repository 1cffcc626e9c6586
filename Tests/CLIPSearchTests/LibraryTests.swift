import CLIP
import CLIPSearch
import Foundation
import XCTest

/// The library and indexer: incremental updates, moves, deletions, failures, model changes, crash recovery.
final class LibraryTests: XCTestCase {
    func testIndexingIsIncrementalAndRecordsFailuresOnce() throws {
        let dir = try temporaryFolder(self), gallery = dir.appendingPathComponent("gallery")
        let (good, bad) = try makeGallery(in: gallery)
        let m = try SearchModel()
        let store = try LibraryStore(directory: dir.appendingPathComponent("lib"), modelID: m.id, dimension: 24)
        let indexer = Indexer(store: store, commitEvery: 5)
        let first = try indexer.update(try indexer.plan(roots: [gallery.path]), embedder: m.embedder)
        XCTAssertEqual(first.embedded, good)
        XCTAssertEqual(first.failed, bad)
        let failures = try store.failures(under: [gallery.path])
        XCTAssertEqual(failures.map { URL(fileURLWithPath: $0.path).lastPathComponent }, ["empty.jpg", "notes.png", "truncated.jpg"])
        XCTAssertTrue(failures[0].error!.contains("empty"), failures[0].error!)
        XCTAssertEqual(try store.check(), [])

        // Nothing changed: nothing to do, failures are not retried.
        let again = try indexer.plan(roots: [gallery.path])
        XCTAssertTrue(again.isEmpty)
        XCTAssertEqual(again.unchanged, good + bad)

        // A move keeps its vector; a deletion drops the record; a changed file is embedded again.
        let fm = FileManager.default
        let before = try store.liveRows(under: [gallery.path])
        let movedFrom = gallery.appendingPathComponent("c00.png").path, movedTo = gallery.appendingPathComponent("stripes/renamed.png").path
        try fm.moveItem(atPath: movedFrom, toPath: movedTo)
        try fm.removeItem(at: gallery.appendingPathComponent("c01.png"))
        try fm.removeItem(at: gallery.appendingPathComponent("c02.png"))
        try fm.copyItem(at: gallery.appendingPathComponent("c03.png"), to: gallery.appendingPathComponent("c02.png"))
        let plan = try indexer.plan(roots: [gallery.path])
        XCTAssertEqual(plan.moved.count, 1)
        let report = try indexer.update(plan, embedder: m.embedder)
        XCTAssertEqual(report.moved, 1)
        XCTAssertEqual(report.removed, 1)
        XCTAssertEqual(report.embedded, 1)
        let after = try store.liveRows(under: [gallery.path])
        XCTAssertEqual(after.first { $0.path == movedTo }?.row, before.first { $0.path == movedFrom }?.row)
        XCTAssertEqual(after.count, good - 1)
        XCTAssertEqual(Set(after.map(\.path)).count, after.count)
        XCTAssertEqual(try store.check(), [])
    }

    func testSearchFindsTheImageItselfAndQueriesCombine() throws {
        let dir = try temporaryFolder(self), gallery = dir.appendingPathComponent("gallery")
        _ = try makeGallery(in: gallery)
        let m = try SearchModel()
        let store = try LibraryStore(directory: dir.appendingPathComponent("lib"), modelID: m.id, dimension: 24)
        let indexer = Indexer(store: store)
        _ = try indexer.update(try indexer.plan(roots: [gallery.path]), embedder: m.embedder)
        let probe = gallery.appendingPathComponent("stripes/05.png").path
        let vector = try m.embedder.embed(files: [probe]).row(0)
        let results = try LibrarySearch.search(store, roots: [gallery.path], query: vector, k: 5)
        XCTAssertEqual(results.first?.path, probe)
        XCTAssertEqual(results.first!.score, 1, accuracy: 1e-5)
        // Restricting to a subfolder only returns files under it.
        let sub = try LibrarySearch.search(store, roots: [gallery.appendingPathComponent("stripes").path], query: vector, k: 100)
        XCTAssertEqual(sub.count, 12)
        XCTAssertTrue(sub.allSatisfy { $0.path.hasPrefix(gallery.appendingPathComponent("stripes").path + "/") })
        // Above the size limit the same search goes through the library's HNSW index, kept in step with it.
        let approximate = try LibrarySearch.search(store, roots: [gallery.path], query: vector, k: 5, approximateAbove: 3)
        XCTAssertEqual(approximate.first?.path, probe)
        XCTAssertTrue(FileManager.default.fileExists(atPath: store.directory.appendingPathComponent("index.hnsw").path))
        XCTAssertEqual(try store.approximateIndex().count, try store.liveRows(under: [gallery.path]).count)
        let subApproximate = try LibrarySearch.search(store, roots: [gallery.appendingPathComponent("stripes").path], query: vector, k: 100, approximateAbove: 3)
        XCTAssertEqual(Set(subApproximate.map(\.path)), Set(sub.map(\.path)), "filtered to the folder, falling back to exact when short")
        // Duplicates: a copy of a file is found with it.
        try FileManager.default.copyItem(atPath: probe, toPath: gallery.appendingPathComponent("copy of 05.png").path)
        _ = try indexer.update(try indexer.plan(roots: [gallery.path]), embedder: m.embedder)
        let groups = try NearDuplicates.groups(store, roots: [gallery.path], threshold: 0.99999)
        XCTAssertTrue(groups.contains { Set($0.map(\.path)) == [probe, gallery.appendingPathComponent("copy of 05.png").path] }, "\(groups)")
    }

    func testChangingTheModelClearsVectorsAndReindexes() throws {
        let dir = try temporaryFolder(self), gallery = dir.appendingPathComponent("gallery")
        let (good, _) = try makeGallery(in: gallery)
        let m = try SearchModel()
        let lib = dir.appendingPathComponent("lib")
        try m.indexedLibrary(at: lib, gallery: gallery)
        let other = try LibraryStore(directory: lib, modelID: "another model", dimension: 24)
        XCTAssertEqual(other.replacedModel, m.id)
        XCTAssertEqual(try other.liveRows(under: [gallery.path]).count, 0)
        let plan = try Indexer(store: other).plan(roots: [gallery.path])
        XCTAssertEqual(plan.toEmbed.count, good + 3, "every file, the failed ones included, is tried again with the new model")
        // A different dimension is a model change too, never a mismatch crash.
        let wider = try LibraryStore(directory: lib, modelID: "another model", dimension: 32)
        XCTAssertEqual(wider.replacedModel, "another model")
    }

    func testVectorsWrittenWithoutACommitAreDiscarded() throws {
        let dir = try temporaryFolder(self), gallery = dir.appendingPathComponent("gallery")
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
        let reopened = try LibraryStore(directory: lib, modelID: m.id, dimension: 24)
        XCTAssertEqual(try reopened.check(), [])
        XCTAssertEqual(try reopened.vectorRows().count, committed * 24)
    }

    func testTruncatedVectorFileIsAClearError() throws {
        let dir = try temporaryFolder(self), gallery = dir.appendingPathComponent("gallery")
        _ = try makeGallery(in: gallery)
        let m = try SearchModel()
        let lib = dir.appendingPathComponent("lib")
        try m.indexedLibrary(at: lib, gallery: gallery)
        let vectors = lib.appendingPathComponent("vectors.f32")
        let handle = try FileHandle(forWritingTo: vectors)
        try handle.truncate(atOffset: 24 * 4 * 2)
        try handle.close()
        XCTAssertThrowsError(try LibraryStore(directory: lib, modelID: m.id, dimension: 24)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(vectors.path) && text.contains("holds 2 vectors") && text.contains("delete the library folder"), text)
        }
    }
}

/// The library API the CLI and a server share: a store opened for a `LoadedModel` and an update that loads
/// the image tower only when a file needs it.
final class LibraryUpdateTests: XCTestCase {
    func testUpdateAsksForTheImageTowerOnlyWhenSomethingNeedsEmbedding() throws {
        let dir = try temporaryFolder(self), gallery = dir.appendingPathComponent("gallery")
        _ = try makeGallery(in: gallery)
        let loaded = try LoadedModel.load(SearchFixtures.model, towers: .vision)
        let store = try LibraryStore(directory: dir.appendingPathComponent("lib"), model: loaded)
        XCTAssertEqual(store.modelID, loaded.id)
        let indexer = Indexer(store: store)
        var asked = 0, reports: [(Int, Int)] = []
        let first = try indexer.update(roots: [gallery.path], makeEmbedder: {
            asked += 1
            return try loaded.imageEmbedder(batchSize: 4)
        }, progress: { reports.append(($0, $1)) })
        XCTAssertEqual(asked, 1)
        XCTAssertEqual(first.report.embedded, 25)
        XCTAssertEqual(first.report.failed, 3)
        XCTAssertEqual(reports.first?.0, 0, "told the total before the first file")
        XCTAssertEqual(reports.last.map { [$0.0, $0.1] }, [28, 28])
        let second = try indexer.update(roots: [gallery.path], makeEmbedder: {
            asked += 1
            return try loaded.imageEmbedder()
        })
        XCTAssertEqual(asked, 1, "an up-to-date library never loads the image tower")
        XCTAssertTrue(second.plan.isEmpty)
        // The identity carries a precision other than fp32, so a library knows what built it.
        let int8 = try LoadedModel.load(SearchFixtures.model, towers: .vision, packing: LinearPacking(.int8, kernels: .reference))
        XCTAssertEqual(int8.id, loaded.id + " precision int8")
    }
}
