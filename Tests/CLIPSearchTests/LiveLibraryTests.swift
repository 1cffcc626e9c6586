import CLIP
import CLIPSearch
import CLIPTestSupport
import Foundation
import XCTest

/// The long-lived library a server keeps open: snapshots, other writers, the HNSW path, one-line queries.
final class LiveLibraryTests: XCTestCase {
    /// Another writer (a `clip index` process has its own connection and its own view of the vector file)
    /// commits while the live library is open: the live library sees the new files, and when it writes
    /// next it appends after the other writer's rows instead of over them.
    func testOtherWritersAreSeenAndNeverOverwritten() throws {
        let root = try temporaryDirectory(self), gallery = root.appendingPathComponent("gallery"),
            more = root.appendingPathComponent("more")
        try FileManager.default.createDirectory(
            at: gallery.appendingPathComponent("a"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: more, withIntermediateDirectories: true)
        for i in 0..<4 {
            try FileManager.default.copyItem(
                at: SearchFixtures.url(String(format: "tasks/circles/%02d.png", i)),
                to: gallery.appendingPathComponent("a/\(i).png"))
        }
        for i in 0..<3 {
            try FileManager.default.copyItem(
                at: SearchFixtures.url(String(format: "tasks/stripes/%02d.png", i)),
                to: more.appendingPathComponent("\(i).png"))
        }
        let model = try SearchModel()
        let mine = try model.indexedLibrary(at: root.appendingPathComponent("library"), gallery: gallery)
        let live = try LiveLibrary(database: mine)
        XCTAssertEqual(try live.current().count, 4)

        let other = try LibraryDatabase(
            directory: root.appendingPathComponent("library"), modelID: model.id, dimension: 24)
        _ = try blocking {
            try await Indexer(library: SQLiteStore(bound: other)).update(roots: [more.path]) {
                [embedder = model.embedder] in embedder
            }
        }
        Thread.sleep(forTimeInterval: 0.25)  // changes by other connections are looked for at most every 0.2 s
        XCTAssertEqual(try live.current().count, 7)

        // This process writes again: its vector file still believed 4 rows were committed.
        try FileManager.default.copyItem(
            at: SearchFixtures.url("tasks/stripes/05.png"), to: gallery.appendingPathComponent("a/new.png"))
        _ = try blocking {
            try await Indexer(library: SQLiteStore(bound: mine)).update(roots: [gallery.path]) {
                [embedder = model.embedder] in embedder
            }
        }
        let snapshot = try live.current()
        XCTAssertEqual(snapshot.count, 8)
        XCTAssertEqual(Set(snapshot.entries.map(\.row)).count, 8, "two files share a vector row")
        XCTAssertEqual(try mine.check(), [])
        let files = snapshot.entries.map(\.path)
        let expected = try model.embedder.embed(files: files)
        for i in 0..<snapshot.count {
            XCTAssertEqual(snapshot.vector(i), expected.row(i).map { $0 }, "vector of \(files[i]) was overwritten")
        }
    }

    /// Folder ranges on the path-sorted snapshot: a folder, not a sibling that shares its name's prefix.
    func testFolderRangesAndHNSWAgreeWithExactSearch() throws {
        let root = try temporaryDirectory(self), gallery = root.appendingPathComponent("g")
        _ = try makeGallery(in: gallery)
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("g/stripes-more"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: SearchFixtures.url("tasks/stripes/00.png"), to: root.appendingPathComponent("g/stripes-more/x.png"))
        let model = try SearchModel()
        let store = try model.indexedLibrary(at: root.appendingPathComponent("library"), gallery: gallery)
        let exact = try LiveLibrary(database: store, approximateAbove: .max)
        let stripes = gallery.appendingPathComponent("stripes").path
        let query = try exact.current().vector(0)
        let page = try exact.search(query, k: 50, folder: stripes)
        XCTAssertEqual(page.searched, 12)
        XCTAssertTrue(page.hits.allSatisfy { page.snapshot.entries[$0.index].path.hasPrefix(stripes + "/") })

        // Above the threshold, the HNSW index (built in the background) gives the same top results here.
        let approximate = try LiveLibrary(database: store, approximateAbove: 1)
        for _ in 0..<500 where !approximate.approximateReady { Thread.sleep(forTimeInterval: 0.01) }
        XCTAssertTrue(approximate.approximateReady)
        let hits = try approximate.search(query, k: 5).hits
        let reference = try exact.search(query, k: 5).hits
        XCTAssertEqual(hits.map(\.index), reference.map(\.index))
        // The graph holds half-precision vectors.
        for (a, b) in zip(hits, reference) { XCTAssertEqual(a.score, b.score, accuracy: 1e-3) }
    }

    func testOneLineQueriesSplitOnlyOnFreeStandingOperators() throws {
        func texts(_ line: String) throws -> [String] {
            try SearchQuery.parse(expression: line).terms.map { term in
                guard case let .text(t) = term.part else { return "image!" }
                return "\(term.weight):\(t)"
            }
        }
        XCTAssertEqual(try texts("a dog on a beach"), ["1.0:a dog on a beach"])
        XCTAssertEqual(try texts("cat + 2:snow - indoor"), ["1.0:cat", "2.0:snow", "-1.0:indoor"])
        XCTAssertEqual(try texts("black-and-white photo - people"), ["1.0:black-and-white photo", "-1.0:people"])
        XCTAssertEqual(try texts(#""cat" + "2:snow""#), ["1.0:cat", "2.0:snow"])
        XCTAssertEqual(try texts("/etc/passwd"), ["1.0:/etc/passwd"])  // never read as a file
        XCTAssertThrowsError(try SearchQuery.parse(expression: "cat + - dog"))
        XCTAssertThrowsError(try SearchQuery.parse(expression: "  "))
    }
}
