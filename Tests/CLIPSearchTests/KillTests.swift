import CLIP
import CLIPSearch
import Foundation
import XCTest

/// `kill -9` during `clip index`, ten times in a row, against a real subprocess: the library must never be
/// corrupt, and the run after the kills must finish with every file exactly once and the same vectors as
/// an uninterrupted run.
final class KillTests: XCTestCase {
    func index(_ gallery: URL, library: URL) throws -> Process {
        let process = Process()
        process.executableURL = clipBinary
        process.arguments = ["index", "--model", SearchFixtures.model.path, "--library", library.path,
                             "--commit-every", "3", "--batch-size", "3", "--threads", "1", gallery.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    func vectorsByPath(_ library: URL, _ gallery: URL) throws -> [String: [Float]] {
        guard let model = try LibraryStore.storedModel(in: library) else { return [:] }
        let store = try LibraryStore(directory: library, modelID: model.id, dimension: model.dimension)
        XCTAssertEqual(try store.check(), [], "library corrupt")
        let rows = try store.vectorRows(), d = model.dimension
        var out: [String: [Float]] = [:]
        for (row, path) in try store.liveRows(under: [gallery.path]) {
            XCTAssertNil(out[path], "\(path) recorded twice")
            out[path] = Array(rows[(row * d)..<((row + 1) * d)])
        }
        return out
    }

    func testKillNineDuringIndexingNeverCorruptsTheLibrary() throws {
        let dir = try temporaryFolder(self), gallery = dir.appendingPathComponent("gallery")
        var (good, _) = try makeGallery(in: gallery)
        good += try addPhotos(240, to: gallery)
        let reference = dir.appendingPathComponent("reference"), killed = dir.appendingPathComponent("killed")
        let clean = try index(gallery, library: reference)
        clean.waitUntilExit()
        XCTAssertEqual(clean.terminationStatus, 0)
        let expected = try vectorsByPath(reference, gallery)
        XCTAssertEqual(expected.count, good)

        var generator = SystemRandomNumberGenerator()
        let vectorFile = killed.appendingPathComponent("vectors.f32")
        func vectorBytes() -> Int { (try? FileManager.default.attributesOfItem(atPath: vectorFile.path)[.size] as? Int) ?? 0 }
        var interrupted = 0, committed: [Int] = []
        for _ in 0..<10 {
            // Kill just after this run has appended new vectors (whatever the machine's speed), a random
            // few milliseconds in: inside a batch's append-then-commit window or between batches.
            let before = vectorBytes()
            let run = try index(gallery, library: killed)
            let deadline = Date().addingTimeInterval(20)
            while run.isRunning, vectorBytes() <= before, Date() < deadline { usleep(1000) }
            usleep(UInt32.random(in: 0...15_000, using: &generator))
            if run.isRunning { interrupted += 1 }
            kill(run.processIdentifier, SIGKILL)
            run.waitUntilExit()
            let partial = try vectorsByPath(killed, gallery)
            committed.append(partial.count)
            for (path, vector) in partial { XCTAssertEqual(vector, expected[path], "\(path): a committed vector differs") }
        }
        print("kills that landed mid-run: \(interrupted) of 10; files committed after each kill: \(committed)")
        XCTAssertGreaterThan(Set(committed).count, 2, "kills must land at different points of the work, not all before it starts")
        XCTAssertGreaterThanOrEqual(interrupted, 9, "kills must land while indexing runs")
        let final = try index(gallery, library: killed)
        final.waitUntilExit()
        XCTAssertEqual(final.terminationStatus, 0)
        let resumed = try vectorsByPath(killed, gallery)
        XCTAssertEqual(Set(resumed.keys), Set(expected.keys), "files lost or added")
        for (path, vector) in resumed { XCTAssertEqual(vector, expected[path], path) }
    }
}
