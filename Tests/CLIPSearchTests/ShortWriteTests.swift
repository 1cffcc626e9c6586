import CLIP
import CLIPSearch
import CLIPTestSupport
import Foundation
import XCTest

/// A full disk, met by the vector file's writes. The file-size limit (RLIMIT_FSIZE, lowered for this
/// process for one call) does to `pwrite` what a full disk or a quota does: it writes the part that fits,
/// without an error, and the next write fails (EFBIG here, ENOSPC on a full disk). The error must name
/// the short write, not the errno an earlier call left behind.
final class ShortWriteTests: XCTestCase {
    static let d = 64
    static let rowBytes = d * MemoryLayout<Float>.size

    /// `body` with this process's files limited to `bytes` (the soft limit, and SIGXFSZ ignored: at the
    /// limit it would kill the process), both restored after.
    func withFileSizeLimit<T>(_ bytes: Int, _ body: () throws -> T) throws -> T {
        let resource = __rlimit_resource_t(RLIMIT_FSIZE.rawValue)
        var saved = rlimit()
        guard getrlimit(resource, &saved) == 0, saved.rlim_max >= rlim_t(bytes) else {
            throw XCTSkip("cannot read or lower RLIMIT_FSIZE here")
        }
        var limited = saved
        limited.rlim_cur = rlim_t(bytes)
        let handler = signal(SIGXFSZ, SIG_IGN)
        defer {
            setrlimit(resource, &saved)
            signal(SIGXFSZ, handler)
        }
        guard setrlimit(resource, &limited) == 0 else { throw XCTSkip("cannot lower RLIMIT_FSIZE here") }
        return try body()
    }

    static func vector(_ i: Int) -> [Float] {
        var v = [Float](repeating: 0, count: d)
        v[i % d] = 1
        return v
    }

    static func files(_ range: Range<Int>) -> [(IndexedFile, [Float])] {
        range.map { (IndexedFile(path: "/photos/\($0).jpg", size: 1, mtime: 1, hash: "h\($0)"), vector($0)) }
    }

    func testAFullDiskWhileAppendingVectorsIsSaidToBeOne() throws {
        let folder = try temporaryDirectory(self)
        let store = try LibraryDatabase(directory: folder, modelID: "m", dimension: Self.d)
        try store.commit(embedded: Self.files(0..<4), other: [], removed: [])
        let vectorFile = folder.appendingPathComponent("vectors.f32")
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: vectorFile.path)[.size] as? Int)
        XCTAssertEqual(size, 4 * Self.rowBytes)
        // Room for one and a half rows of the eight asked for.
        let room = Self.rowBytes * 3 / 2
        XCTAssertThrowsError(
            try withFileSizeLimit(size + room) {
                try store.commit(embedded: Self.files(4..<12), other: [], removed: [])
            }
        ) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(vectorFile.path), message)
            XCTAssertTrue(
                message.contains(
                    "cannot write vectors: short write: wrote \(room) of \(8 * Self.rowBytes) bytes (disk full?)"),
                message)
            XCTAssertTrue(
                message.contains(String(cString: strerror(EFBIG))), "the cause of the write that failed: \(message)")
        }
        // Nothing of the failed commit counts; with room again, the same commit goes in whole.
        XCTAssertEqual(try store.snapshot().count, 4)
        try store.commit(embedded: Self.files(4..<12), other: [], removed: [])
        let snapshot = try store.snapshot()
        XCTAssertEqual(snapshot.count, 12)
        XCTAssertEqual(try store.check(), [])
        for i in 0..<12 {
            let entry = try XCTUnwrap(snapshot.entries.firstIndex { $0.path == "/photos/\(i).jpg" })
            XCTAssertEqual(snapshot.vector(entry), Self.vector(i))
        }
    }

    func testAFullDiskWhileCompactingIsSaidToBeOneAndChangesNothing() throws {
        let folder = try temporaryDirectory(self)
        let store = try LibraryDatabase(directory: folder, modelID: "m", dimension: Self.d)
        try store.commit(embedded: Self.files(0..<12), other: [], removed: [])
        let records = try store.records(under: "/photos")
        let removed = (8..<12).compactMap { records["/photos/\($0).jpg"]?.id }
        try store.commit(embedded: [], other: [], removed: removed)
        let room = Self.rowBytes * 5 / 2
        XCTAssertThrowsError(try withFileSizeLimit(room) { try store.compact(force: true) }) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(folder.appendingPathComponent("vectors-1.f32").path), message)
            XCTAssertTrue(
                message.contains(
                    """
                        cannot write the compacted vector file: short write: wrote \(room) of \(8 * Self.rowBytes) \
                        bytes (disk full?)
                        """
                ), message)
        }
        // Still the old file, whole; a compaction with room does it.
        XCTAssertEqual(try store.garbage().orphaned, 4)
        XCTAssertEqual(try store.check(), [])
        XCTAssertEqual(try store.compact(force: true)?.after, 8)
        let snapshot = try store.snapshot()
        for i in 0..<8 {
            let entry = try XCTUnwrap(snapshot.entries.firstIndex { $0.path == "/photos/\(i).jpg" })
            XCTAssertEqual(snapshot.vector(entry), Self.vector(i))
        }
    }
}
