import CLIP
import CLIPSearch
import CLIPTestSupport
import Foundation
import XCTest

/// The folder store's append-only vector file, compacted: every live vector kept, searches (exact and
/// through the HNSW graph) unchanged, readers that opened the library before carried over, and the
/// leftovers of a compaction killed midway harmless.
final class CompactionTests: XCTestCase {
    static let d = 24

    static func unit(_ generator: inout some RandomNumberGenerator) -> [Float] {
        let v = (0..<d).map { _ in Float.random(in: -1...1, using: &generator) }
        let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return v.map { $0 / n }
    }

    static func file(_ i: Int) -> IndexedFile {
        IndexedFile(path: "/photos/\(i).jpg", size: Int64(i), mtime: 1, hash: "h\(i)")
    }

    /// A library of 600 files of which 200 were embedded again and 100 removed: 300 of its 800 rows orphaned.
    func makeWastefulLibrary(_ folder: URL) throws -> (store: LibraryDatabase, vectors: [String: [Float]]) {
        var generator = SystemRandomNumberGenerator()
        let store = try LibraryDatabase(directory: folder, modelID: "m", dimension: Self.d)
        var vectors: [String: [Float]] = [:]
        for start in stride(from: 0, to: 600, by: 100) {
            let batch = (start..<(start + 100)).map { (Self.file($0), Self.unit(&generator)) }
            try store.commit(embedded: batch, other: [], removed: [])
            for (file, vector) in batch { vectors[file.path] = vector }
        }
        _ = try store.approximateIndex()  // the graph is saved beside the vectors
        let changed = (0..<200).map { (Self.file($0 * 2), Self.unit(&generator)) }
        try store.commit(embedded: changed, other: [], removed: [])
        for (file, vector) in changed { vectors[file.path] = vector }
        let records = try store.records(under: "/photos")
        let removed = (500..<600).map { records["/photos/\($0).jpg"]!.id! }
        try store.commit(embedded: [], other: [], removed: removed)
        for i in 500..<600 { vectors["/photos/\(i).jpg"] = nil }
        return (store, vectors)
    }

    func stored(_ library: SQLiteStore) async throws -> [String: [Float]] {
        let (files, vectors) = try await library.embeddings(under: [])
        var out: [String: [Float]] = [:]
        for (i, file) in files.enumerated() { out[file.path] = Array(vectors[(i * Self.d)..<((i + 1) * Self.d)]) }
        return out
    }

    func testCompactionKeepsEveryVectorTheGraphAndOpenReaders() async throws {
        let dir = try temporaryDirectory(self), folder = dir.appendingPathComponent("lib")
        let (store, expected) = try makeWastefulLibrary(folder)
        let library = SQLiteStore(bound: store, approximateAbove: 10)
        let reader = try LiveLibrary(
            database: try LibraryDatabase(directory: folder, modelID: "m", dimension: Self.d), approximateAbove: 10)
        XCTAssertEqual(try store.garbage().orphaned, 300)
        var generator = SystemRandomNumberGenerator()
        let probes = (0..<5).map { _ in Self.unit(&generator) }
        var before: [[LibraryHit]] = []
        for probe in probes {
            before.append(try await library.nearest(probe, k: 10, under: [], mode: .exact))
            before.append(try await library.nearest(probe, k: 10, under: [], mode: .approximate(efSearch: 50)))
        }

        // 300 of 800 rows (37.5% ≥ 30%, ≥ 256) orphaned: the housekeeping after indexing compacts.
        let message = try await library.tidy(force: false)
        XCTAssertEqual(message, "compacted the vector file: 800 rows → 500 (300 orphaned by changed or removed files)")
        XCTAssertEqual(try store.check(), [])
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: folder.path))
        XCTAssertTrue(names.isSuperset(of: ["vectors-1.f32", "index-1.hnsw"]), "\(names)")
        XCTAssertTrue(names.isDisjoint(with: ["vectors.f32", "index.hnsw"]), "\(names)")
        let size =
            try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("vectors-1.f32").path)[.size]
            as? Int
        XCTAssertEqual(size, 500 * Self.d * 4)
        let kept = try await stored(library)
        XCTAssertEqual(kept, expected, "every live vector, bit for bit, under its path")

        // The same answers, exact and through the same graph under its new row numbers (not rebuilt).
        let graph = folder.appendingPathComponent("index-1.hnsw").path
        let written = try FileManager.default.attributesOfItem(atPath: graph)[.modificationDate] as? Date
        var after: [[LibraryHit]] = []
        for probe in probes {
            after.append(try await library.nearest(probe, k: 10, under: [], mode: .exact))
            after.append(try await library.nearest(probe, k: 10, under: [], mode: .approximate(efSearch: 50)))
        }
        XCTAssertEqual(after, before)
        XCTAssertEqual(
            try FileManager.default.attributesOfItem(atPath: graph)[.modificationDate] as? Date, written,
            "the relabelled graph was already in step")

        // A reader that opened the library before moves to the new file once it notices the change
        // (within 0.2 s), and never reads old rows as new ones.
        try await Task.sleep(nanoseconds: 250_000_000)
        let snapshot = try reader.current()
        XCTAssertEqual(snapshot.vectorFile, "vectors-1.f32")
        for (i, probe) in probes.enumerated() {
            let page = try reader.search(probe, k: 10)
            XCTAssertEqual(page.hits.map { snapshot.entries[$0.index].path }, before[2 * i].map(\.path))
        }

        // Nothing left to compact; new vectors go on the new file.
        XCTAssertNil(try store.compact(force: true))
        try store.commit(embedded: [(Self.file(1000), Self.unit(&generator))], other: [], removed: [])
        XCTAssertEqual(try store.check(), [])
        let reopened = SQLiteStore(directory: folder)
        try await reopened.bind(model: "m", dimension: Self.d)
        let reopenedCount = try await reopened.count(under: [])
        XCTAssertEqual(reopenedCount, 501)
    }

    /// A kill before the database names the new file leaves it (and its graph) behind: harmless, and
    /// overwritten or deleted by the next compaction. A kill after leaves the old file: deleted next time.
    func testLeftoversOfAKilledCompactionAreHarmless() async throws {
        let dir = try temporaryDirectory(self), folder = dir.appendingPathComponent("lib")
        let (store, expected) = try makeWastefulLibrary(folder)
        try Data(repeating: 0xFF, count: 1000).write(to: folder.appendingPathComponent("vectors-1.f32"))
        try Data("junk".utf8).write(to: folder.appendingPathComponent("index-1.hnsw"))
        let library = SQLiteStore(bound: store, approximateAbove: 10)
        let beforeCompaction = try await stored(library)
        XCTAssertEqual(beforeCompaction, expected)
        XCTAssertNotNil(try store.compact(force: false))
        let afterCompaction = try await stored(library)
        XCTAssertEqual(afterCompaction, expected)
        XCTAssertEqual(try store.check(), [])
        // The old file back, as a kill right after the switch would leave it.
        try Data(repeating: 0xFF, count: 96).write(to: folder.appendingPathComponent("vectors.f32"))
        let fresh = SQLiteStore(directory: folder, approximateAbove: 10)
        try await fresh.bind(model: "m", dimension: Self.d)
        let reopened = try await stored(fresh)
        XCTAssertEqual(reopened, expected)
        try store.commit(embedded: [], other: [], removed: [try store.records(under: "/photos")["/photos/1.jpg"]!.id!])
        XCTAssertNotNil(try store.compact(force: true))
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: folder.path)).filter {
            $0.hasSuffix(".f32")
        }
        XCTAssertEqual(names, ["vectors-2.f32"])
    }

    /// Another model of the same size takes the library over: every old vector and index file goes (an
    /// index left over from before a compaction would otherwise be read as the new model's).
    func testAModelChangeLeavesNoOldVectorOrIndexFile() throws {
        let dir = try temporaryDirectory(self), folder = dir.appendingPathComponent("lib")
        let (store, _) = try makeWastefulLibrary(folder)
        XCTAssertNotNil(try store.compact(force: true))
        try Data("stale".utf8).write(to: folder.appendingPathComponent("index.hnsw"))
        let other = try LibraryDatabase(directory: folder, modelID: "another model", dimension: Self.d, replacing: true)
        XCTAssertEqual(other.replacedModel, "m")
        let left = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
            $0.hasSuffix(".f32") || $0.hasSuffix(".hnsw")
        }
        XCTAssertEqual(left, ["vectors.f32"])
        XCTAssertEqual(try other.snapshot().count, 0)
        XCTAssertEqual(try other.check(), [])
    }
}
