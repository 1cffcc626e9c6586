import CLIP
import CLIPSearch
import CLIPTestSupport
import Foundation
import XCTest

/// `kill -9` during `clip index`, ten times in a row, against a real subprocess: the library must never be
/// corrupt, and the run after the kills must finish with every file exactly once and the same vectors as
/// an uninterrupted run.
final class KillTests: XCTestCase {
    func index(_ gallery: URL, library: URL) throws -> Process {
        let process = Process()
        process.executableURL = clipBinary
        process.arguments = [
            "index", "--model", SearchFixtures.model.path, "--library", library.path,
            "--commit-every", "3", "--batch-size", "3", "--threads", "1", gallery.path
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    func vectorsByPath(_ library: URL, _ gallery: URL) throws -> [String: [Float]] {
        guard let model = try LibraryDatabase.storedModel(in: library) else { return [:] }
        let store = try LibraryDatabase(directory: library, modelID: model.id, dimension: model.dimension)
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
        let dir = try temporaryDirectory(self), gallery = dir.appendingPathComponent("gallery")
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
        func vectorBytes() -> Int {
            (try? FileManager.default.attributesOfItem(atPath: vectorFile.path)[.size] as? Int) ?? 0
        }
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
            for (path, vector) in partial {
                XCTAssertEqual(vector, expected[path], "\(path): a committed vector differs")
            }
        }
        print("kills that landed mid-run: \(interrupted) of 10; files committed after each kill: \(committed)")
        XCTAssertGreaterThan(
            Set(committed).count, 2, "kills must land at different points of the work, not all before it starts")
        XCTAssertGreaterThanOrEqual(interrupted, 9, "kills must land while indexing runs")
        let final = try index(gallery, library: killed)
        final.waitUntilExit()
        XCTAssertEqual(final.terminationStatus, 0)
        let resumed = try vectorsByPath(killed, gallery)
        XCTAssertEqual(Set(resumed.keys), Set(expected.keys), "files lost or added")
        for (path, vector) in resumed { XCTAssertEqual(vector, expected[path], path) }
    }
}

/// `kill -9` during `clip index --compact`: whenever it lands, the library holds every live vector under
/// its path, and the next compaction finishes the job.
final class CompactionKillTests: XCTestCase {
    func vectors(_ folder: URL) throws -> [String: [Float]] {
        let model = try XCTUnwrap(try LibraryDatabase.storedModel(in: folder))
        let store = try LibraryDatabase(directory: folder, modelID: model.id, dimension: model.dimension)
        XCTAssertEqual(try store.check(), [], "library corrupt")
        let rows = try store.vectorRows(), d = model.dimension
        var out: [String: [Float]] = [:]
        for (row, path) in try store.liveRows(under: ["/photos"]) {
            out[path] = Array(rows[(row * d)..<((row + 1) * d)])
        }
        return out
    }

    func compact(_ folder: URL) throws -> Process {
        let process = Process()
        process.executableURL = clipBinary
        process.arguments = ["index", "--compact", "--model", SearchFixtures.model.path, "--library", folder.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    func testKillNineDuringCompactionNeverLosesAVector() throws {
        let dir = try temporaryDirectory(self), folder = dir.appendingPathComponent("lib"),
            empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        // Bound by `clip index` itself, so that the model identity is the one the command computes.
        let bound = try runClip(["index", "--model", SearchFixtures.model.path, "--library", folder.path, empty.path])
        XCTAssertEqual(bound.status, 0, bound.err)
        let model = try XCTUnwrap(try LibraryDatabase.storedModel(in: folder))
        // 180,000 rows, 90,000 of them orphaned: a compaction long enough to be killed midway.
        do {
            let store = try LibraryDatabase(directory: folder, modelID: model.id, dimension: model.dimension)
            var generator = SystemRandomNumberGenerator()
            func batch(_ range: Range<Int>) -> [(IndexedFile, [Float])] {
                range.map {
                    (
                        IndexedFile(path: "/photos/\($0).jpg", size: 1, mtime: 1, hash: "h\($0)"),
                        (0..<model.dimension).map { _ in Float.random(in: -1...1, using: &generator) }
                    )
                }
            }
            for start in stride(from: 0, to: 120_000, by: 20_000) {
                try store.commit(embedded: batch(start..<(start + 20_000)), other: [], removed: [])
            }
            for start in stride(from: 0, to: 60_000, by: 20_000) {
                try store.commit(embedded: batch(start..<(start + 20_000)), other: [], removed: [])
            }
            let records = try store.records(under: "/photos")
            try store.commit(
                embedded: [], other: [], removed: (90_000..<120_000).map { records["/photos/\($0).jpg"]!.id! })
        }
        let expected = try vectors(folder)
        XCTAssertEqual(expected.count, 90_000)

        // How long a whole run takes here, warm (on copies; the first run also pays for cold caches): the
        // kills land anywhere in it.
        var duration = 0.0
        for attempt in 0..<2 {
            let timing = dir.appendingPathComponent("timing\(attempt)")
            try FileManager.default.copyItem(at: folder, to: timing)
            let started = Date()
            let whole = try compact(timing)
            whole.waitUntilExit()
            XCTAssertEqual(whole.terminationStatus, 0)
            duration = Date().timeIntervalSince(started)
        }

        let pristine = dir.appendingPathComponent("pristine")
        try FileManager.default.copyItem(at: folder, to: pristine)
        var generator = SystemRandomNumberGenerator()
        var interrupted = 0, leftovers = 0
        for _ in 0..<8 {
            // A kill that came after the compaction committed leaves nothing to compact: start again from
            // the wasteful library, so that every kill meets a compaction at work.
            let garbage = try LibraryDatabase(directory: folder, modelID: model.id, dimension: model.dimension)
                .garbage().orphaned
            if garbage == 0 {
                try FileManager.default.removeItem(at: folder)
                try FileManager.default.copyItem(at: pristine, to: folder)
            }
            let run = try compact(folder)
            usleep(UInt32(Double.random(in: 0.2...0.85, using: &generator) * duration * 1e6))
            if run.isRunning { interrupted += 1 }
            kill(run.processIdentifier, SIGKILL)
            run.waitUntilExit()
            let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".f32") }
            if files.count > 1 { leftovers += 1 }
            XCTAssertEqual(try vectors(folder), expected, "after a kill \(files)")
        }
        print(
            """
                compaction: \(String(format: "%.2f", duration)) s per run; kills mid-run \(interrupted) of 8, leaving \
                two vector files \(leftovers) times
                """
        )
        XCTAssertGreaterThanOrEqual(interrupted, 4, "kills must land while the compaction runs")
        let final = try compact(folder)
        final.waitUntilExit()
        XCTAssertEqual(final.terminationStatus, 0)
        XCTAssertEqual(try vectors(folder), expected)
        XCTAssertEqual(
            try LibraryDatabase(directory: folder, modelID: model.id, dimension: model.dimension).garbage().orphaned, 0)
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".f32") }.count, 1)
    }
}
