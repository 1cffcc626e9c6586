import CLIP
import CLIPSearch
import CLIPTestSupport
import Foundation
import XCTest

/// `clip search`, `clip index` and `clip duplicates` as a person runs them.
final class SearchCLITests: XCTestCase {
    func testSearchIndexesThenAnswersAndListsErrors() throws {
        let dir = try temporaryDirectory(self), gallery = dir.appendingPathComponent("gallery")
        _ = try makeGallery(in: gallery)
        let common = ["--model", SearchFixtures.model.path, "--library", dir.appendingPathComponent("lib").path]
        let probe = gallery.appendingPathComponent("stripes/03.png").path

        let first = try runClip(["search"] + common + ["--image", probe, gallery.path, "--top", "3", "--json"])
        XCTAssertEqual(first.status, 0, first.err)
        XCTAssertTrue(first.err.contains("index: 25 embedded, 3 could not be used"), first.err)
        let results = try JSONSerialization.jsonObject(with: Data(first.out.utf8)) as! [[String: Any]]
        XCTAssertEqual(results.count, 3)
        XCTAssertEqual(results[0]["path"] as? String, probe)

        // Second search: nothing to index, so nothing is said about indexing; text and arithmetic queries work.
        let second = try runClip(
            ["search"] + common + ["blue", "+", "0.5:stripes", "-", "red", gallery.path, "--paths", "--top", "4"])
        XCTAssertEqual(second.status, 0, second.err)
        XCTAssertFalse(second.err.contains("index:"), second.err)
        XCTAssertEqual(second.out.split(separator: "\n").count, 4)

        // The same search through HNSW (forced with a small limit) gives the same best match.
        let approximate = try runClip(
            ["search"] + common + ["--image", probe, gallery.path, "--top", "1", "--paths", "--approximate-above", "5"])
        XCTAssertEqual(approximate.out, probe + "\n", approximate.err)

        let errors = try runClip(["index"] + common + ["--errors", gallery.path])
        XCTAssertEqual(errors.out.split(separator: "\n").count, 3)
        XCTAssertTrue(errors.out.contains("truncated.jpg: corrupt or truncated JPEG"), errors.out)

        let odd = gallery.appendingPathComponent("photo one ✓ \n newline.jpg").path
        let found = try runClip(["search"] + common + ["--image", odd, gallery.path, "--top", "1", "--json"])
        XCTAssertEqual(
            (try JSONSerialization.jsonObject(with: Data(found.out.utf8)) as! [[String: Any]])[0]["path"] as? String,
            odd)

        try FileManager.default.copyItem(atPath: probe, toPath: gallery.appendingPathComponent("again.png").path)
        let duplicates = try runClip(["duplicates"] + common + [gallery.path, "--threshold", "0.99999", "--json"])
        let groups = try JSONSerialization.jsonObject(with: Data(duplicates.out.utf8)) as! [[[String: Any]]]
        XCTAssertTrue(
            groups.contains {
                Set($0.map { $0["path"] as! String }) == [probe, gallery.appendingPathComponent("again.png").path]
            })
    }

    /// A mistyped folder is an error naming it, not more query text (which searched, and indexed, the current
    /// folder); a folder given without a query is an error; the current folder, when it is the one searched,
    /// is named.
    func testAMistypedFolderIsAnErrorNotQueryText() throws {
        let dir = try temporaryDirectory(self), gallery = dir.appendingPathComponent("gallery")
        _ = try makeGallery(in: gallery)
        let library = dir.appendingPathComponent("lib")
        let common = ["--model", SearchFixtures.model.path, "--library", library.path]
        let typo = dir.appendingPathComponent("galery").path
        let mistyped = try runClip(["search"] + common + ["a dog", typo])
        XCTAssertNotEqual(mistyped.status, 0)
        XCTAssertTrue(mistyped.err.contains("\(typo): no such file or folder"), mistyped.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: library.path), "nothing was indexed")
        let forgotten = try runClip(["search"] + common + [gallery.path])
        XCTAssertNotEqual(forgotten.status, 0)
        XCTAssertTrue(forgotten.err.contains("\(gallery.path) is a folder: give the query first"), forgotten.err)
        // Words with a slash that are not paths stay text ("AC/DC"); the current folder is named when searched.
        let process = Process()
        process.executableURL = clipBinary
        process.arguments = ["search"] + common + ["AC/DC", "--top", "1", "--paths"]
        process.currentDirectoryURL = gallery
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let said = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, said)
        XCTAssertTrue(said.contains("searching \(gallery.path) (the current folder"), said)
    }

    func testReadOnlyFolderIsIndexedAndMissingModelOfflineSaysWhatToRun() throws {
        let dir = try temporaryDirectory(self), gallery = dir.appendingPathComponent("gallery")
        _ = try makeGallery(in: gallery)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: gallery.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: gallery.path) }
        let indexed = try runClip([
            "index", "--model", SearchFixtures.model.path, "--library", dir.appendingPathComponent("lib").path,
            gallery.path
        ])
        XCTAssertEqual(indexed.status, 0, indexed.err)
        XCTAssertTrue(indexed.out.contains("3 failed"), indexed.out)

        let offline = try runClip(
            ["search", "a dog", gallery.path, "--library", dir.appendingPathComponent("lib2").path],
            environment: ["HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": dir.appendingPathComponent("empty-cache").path])
        XCTAssertEqual(offline.status, 1)
        XCTAssertTrue(offline.err.contains("clip models pull ViT-B-32"), offline.err)
        XCTAssertEqual(offline.err.split(separator: "\n").count, 1, "one line: \(offline.err)")
    }
}

/// A library records the precision it was indexed with: its model identity includes it, so a change of
/// precision is a model change (vectors of two precisions are never mixed): refused unless --reindex is
/// given, which re-embeds every file; without --precision (and --model) the library's precision is used.
final class SearchPrecisionTests: XCTestCase {
    func testChangingThePrecisionReindexes() throws {
        let dir = try temporaryDirectory(self), gallery = dir.appendingPathComponent("gallery")
        _ = try makeGallery(in: gallery)
        let common = ["--model", SearchFixtures.model.path, "--library", dir.appendingPathComponent("lib").path]
        let first = try runClip(["index"] + common + ["--precision", "int8", gallery.path])
        XCTAssertEqual(first.status, 0, first.err)
        XCTAssertTrue(first.err.contains("index: 25 embedded"), first.err)
        let again = try runClip(["index"] + common + ["--precision", "int8", gallery.path])
        XCTAssertFalse(again.err.contains("embedded"), "same precision, nothing to do: \(again.err)")
        let following = try runClip(["index", "--library", dir.appendingPathComponent("lib").path, gallery.path])
        XCTAssertEqual(following.status, 0, following.err)
        XCTAssertFalse(
            following.err.contains("embedded"),
            "without --model and --precision, the library's model at its precision: \(following.err)")
        let fp32 = try runClip(["index"] + common + ["--precision", "fp32", gallery.path])
        if KernelTable.current.supports(.int8) {
            XCTAssertEqual(fp32.status, 1, fp32.err)
            XCTAssertTrue(
                fp32.err.contains(
                    """
                        was built with \(SearchFixtures.model.path) precision int8, not \(SearchFixtures.model.path) \
                        (given with --model)
                        """
                )
                    && fp32.err.contains("all 28 files") && fp32.err.contains("--reindex"), fp32.err)
            XCTAssertFalse(fp32.err.contains("embedded"), fp32.err)
            let reindexed = try runClip(["index"] + common + ["--precision", "fp32", "--reindex", gallery.path])
            XCTAssertEqual(reindexed.status, 0, reindexed.err)
            XCTAssertTrue(
                reindexed.err.contains("built with another model") && reindexed.err.contains("precision int8"),
                reindexed.err)
            XCTAssertTrue(reindexed.err.contains("index: 25 embedded"), reindexed.err)
        } else {
            // Without VNNI, int8 ran as fp32 (with its notice): the library is already an fp32 one.
            XCTAssertTrue(first.err.contains("running int8 layers in fp32"), first.err)
            XCTAssertFalse(fp32.err.contains("embedded"), fp32.err)
        }
    }
}
