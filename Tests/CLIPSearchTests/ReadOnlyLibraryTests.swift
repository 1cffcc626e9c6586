import CLIP
import CLIPSearch
import CLIPTestSupport
import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import XCTest

/// `clip serve --library DIR` on a library that cannot be written: served without `--index`, refused
/// with `--index`, naming the folder. The folder is made truly read-only: as root (where permission bits
/// stop no write) by a read-only bind mount of it onto itself, removed afterwards; otherwise with chmod.
/// Either way the test first checks that a write there fails.
final class ReadOnlyLibraryTests: XCTestCase {
    /// Makes `folder` read-only until the test ends.
    func makeReadOnly(_ folder: URL) throws {
        if geteuid() == 0 {
            guard Self.run("/bin/mount", ["--bind", folder.path, folder.path]) == 0 else {
                throw XCTSkip("running as root without the right to mount: cannot make a folder read-only for root")
            }
            addTeardownBlock { _ = Self.run("/bin/umount", [folder.path]) }
            XCTAssertEqual(Self.run("/bin/mount", ["-o", "remount,bind,ro", folder.path]), 0)
        } else {
            let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            for name in files { chmod(folder.appendingPathComponent(name).path, 0o444) }
            chmod(folder.path, 0o555)
            addTeardownBlock {
                chmod(folder.path, 0o755)
                for name in files { chmod(folder.appendingPathComponent(name).path, 0o644) }
            }
        }
        // The premise: nothing in it can be written or made.
        XCTAssertLessThan(
            open(folder.appendingPathComponent("vectors.f32").path, O_RDWR), 0, "the library folder is still writable")
        XCTAssertFalse(
            FileManager.default.createFile(atPath: folder.appendingPathComponent("probe").path, contents: Data()),
            "the library folder is still writable")
    }

    static func run(_ path: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        do { try process.run() } catch { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    func testAReadOnlyLibraryIsServedAndIndexingItIsAClearError() async throws {
        let dir = try temporaryDirectory(self), gallery = dir.appendingPathComponent("gallery"),
            library = dir.appendingPathComponent("library")
        let (good, _) = try makeGallery(in: gallery)
        let model = SearchFixtures.model.path
        let indexed = try runClip(["index", "--model", model, "--library", library.path, gallery.path])
        XCTAssertEqual(indexed.status, 0, indexed.err)
        let query: [String: Any] = ["query": "a photo", "top_k": 5]
        let writable = try ServeProcess.start(["--model", model, "--library", library.path], in: dir)
        let (status, expected) = try await writable.request("/v1/search", query)
        XCTAssertEqual(status, 200, "\(expected)")
        XCTAssertEqual(writable.stop(), 0)
        let before = try FileManager.default.contentsOfDirectory(atPath: library.path).sorted()

        try makeReadOnly(library)
        let server = try ServeProcess.start(["--model", model, "--library", library.path], in: dir)
        let (answered, body) = try await server.request("/v1/search", query)
        XCTAssertEqual(answered, 200, "\(body)")
        XCTAssertEqual(body["searched"] as? Int, good)
        XCTAssertEqual(ServeProcess.paths(body), ServeProcess.paths(expected))
        XCTAssertEqual(
            (body["results"] as? [[String: Any]])?.compactMap { $0["score"] as? Double },
            (expected["results"] as? [[String: Any]])?.compactMap { $0["score"] as? Double })
        // A thumbnail too: made, though its cache (in the library folder) cannot be written.
        let id = try XCTUnwrap((body["results"] as? [[String: Any]])?.first?["id"] as? Int)
        let (data, response) = try await URLSession.shared.data(
            from: URL(string: "http://127.0.0.1:\(server.port)/v1/thumbnails/\(id)")!)
        XCTAssertEqual((response as? HTTPURLResponse)?.statusCode, 200)
        XCTAssertEqual(Array(data.prefix(2)), [0xFF, 0xD8], "a JPEG")
        XCTAssertEqual(server.stop(), 0)

        // Indexing needs to write: refused at start, naming the folder and why.
        let indexing = Process()
        indexing.executableURL = clipBinary
        indexing.arguments = [
            "serve", "--port", "0", "--model", model, "--library", library.path, "--index", gallery.path
        ]
        let err = Pipe()
        indexing.standardOutput = FileHandle.nullDevice
        indexing.standardError = err
        try indexing.run()
        let deadline = Date().addingTimeInterval(60)
        while indexing.isRunning, Date() < deadline { try await Task.sleep(nanoseconds: 50_000_000) }
        if indexing.isRunning {
            indexing.terminate()
            XCTFail("clip serve --index on a read-only library kept running")
        }
        indexing.waitUntilExit()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertNotEqual(indexing.terminationStatus, 0, message)
        XCTAssertTrue(message.contains("\(library.path): cannot write to the library folder"), message)
        XCTAssertEqual(message.split(separator: "\n").count, 1, message)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: library.path).sorted(), before)
    }
}
