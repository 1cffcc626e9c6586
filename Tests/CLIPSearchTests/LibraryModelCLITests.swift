import CLIP
import CLIPSearch
import CLIPTestSupport
import Foundation
import XCTest

/// A library remembers its model: the library commands use it when --model is not given, and refuse
/// another model (naming both and the files re-indexing would embed) unless --reindex is given.
final class LibraryModelCLITests: XCTestCase {
    /// No model can be downloaded: a command that tried to load ViT-B-32 would fail.
    func offline(_ dir: URL) -> [String: String] {
        ["HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": dir.appendingPathComponent("empty-cache").path]
    }

    func info(_ library: URL) throws -> [String: Any] {
        let info = try runClip(["library", "info", "--library", library.path, "--json"])
        XCTAssertEqual(info.status, 0, info.err)
        return try JSONSerialization.jsonObject(with: Data(info.out.utf8)) as! [String: Any]
    }

    func testWithoutModelTheLibrarysModelIsUsedAndAnotherIsRefusedUnlessReindex() throws {
        let dir = try temporaryDirectory(self), gallery = dir.appendingPathComponent("gallery"),
            library = dir.appendingPathComponent("lib")
        let (good, bad) = try makeGallery(in: gallery)
        let env = offline(dir)
        let indexed = try runClip(
            ["index", "--model", "synthetic-shapes", "--library", library.path, gallery.path], environment: env)
        XCTAssertEqual(indexed.status, 0, indexed.err)
        XCTAssertTrue(indexed.out.contains("(\(good) new or changed)"), indexed.out)

        // No --model: the library's synthetic-shapes, offline, and nothing to index again.
        let search = try runClip(
            ["search", "a red square", gallery.path, "--library", library.path, "--top", "3", "--paths"],
            environment: env)
        XCTAssertEqual(search.status, 0, search.err)
        XCTAssertEqual(search.out.split(separator: "\n").count, 3, search.out)
        XCTAssertFalse(search.err.contains("index:"), search.err)
        let duplicates = try runClip(["duplicates", gallery.path, "--library", library.path], environment: env)
        XCTAssertEqual(duplicates.status, 0, duplicates.err)

        // Another model: refused, naming both models and the files re-indexing would embed; the library is untouched.
        let other = SearchFixtures.model.path
        for command in [["search", "a red square", gallery.path], ["index", gallery.path], ["duplicates", gallery.path]]
        {
            let refused = try runClip(command + ["--library", library.path, "--model", other], environment: env)
            XCTAssertEqual(refused.status, 1, refused.err)
            XCTAssertTrue(
                refused.err.contains(
                    """
                        Error: the library \(library.path) was built with synthetic-shapes, not \(other) (given with \
                        --model): re-indexing embeds all \(good + bad) files in it again.
                        """
                ), refused.err)
            XCTAssertTrue(
                refused.err.contains(
                    """
                        give --reindex to re-index it with \(other), or give --library DIR (or --store URL) for a \
                        separate library
                        """
                ), refused.err)
            XCTAssertEqual(refused.out, "")
        }
        var stored = try info(library)
        XCTAssertEqual(stored["model"] as? String, "synthetic-shapes")
        XCTAssertEqual(stored["files"] as? Int, good + bad)
        XCTAssertEqual(stored["embedded"] as? Int, good, "no vector was dropped")
        XCTAssertEqual(stored["dimension"] as? Int, 64)

        // Only reading: --reindex is refused with --no-index (and clip index --errors), before anything is opened.
        let readOnly = try runClip(
            ["search", "x", gallery.path, "--library", library.path, "--model", other, "--no-index", "--reindex"],
            environment: env)
        XCTAssertEqual(readOnly.status, 64, readOnly.err)
        XCTAssertTrue(
            readOnly.err.contains("--reindex re-embeds the library: it cannot go with --no-index"), readOnly.err)
        let errors = try runClip(
            ["index", gallery.path, "--library", library.path, "--errors", "--reindex"], environment: env)
        XCTAssertEqual(errors.status, 64, errors.err)
        let noIndex = try runClip(
            ["search", "x", gallery.path, "--library", library.path, "--model", other, "--no-index"], environment: env)
        XCTAssertEqual(noIndex.status, 1, noIndex.err)
        XCTAssertTrue(noIndex.err.contains("was built with synthetic-shapes"), noIndex.err)
        XCTAssertEqual(try info(library)["embedded"] as? Int, good)

        // --reindex: cleared and embedded again with the new model, which the library then remembers.
        let reindexed = try runClip(
            ["index", gallery.path, "--library", library.path, "--model", other, "--reindex"], environment: env)
        XCTAssertEqual(reindexed.status, 0, reindexed.err)
        XCTAssertTrue(
            reindexed.err.contains(
                """
                    library \(library.path) was built with another model (synthetic-shapes); re-indexing every file \
                    with \(other)
                    """
            ), reindexed.err)
        XCTAssertTrue(reindexed.out.contains("(\(good) new or changed), \(bad) failed"), reindexed.out)
        stored = try info(library)
        XCTAssertEqual(stored["model"] as? String, other)
        XCTAssertEqual(stored["dimension"] as? Int, 24)
        XCTAssertEqual(stored["embedded"] as? Int, good)
        let after = try runClip(
            ["search", "a red square", gallery.path, "--library", library.path, "--top", "1", "--paths"],
            environment: env)
        XCTAssertEqual(after.status, 0, after.err)
        XCTAssertFalse(after.err.contains("index:"), after.err)
    }

    /// `clip serve --library` without --model serves the library's model; another one is refused with
    /// --index unless --reindex is given.
    func testServeUsesTheLibrarysModelAndRefusesAnother() async throws {
        let dir = try temporaryDirectory(self), gallery = dir.appendingPathComponent("gallery"),
            library = dir.appendingPathComponent("lib")
        try FileManager.default.createDirectory(at: gallery, withIntermediateDirectories: true)
        let photos = try addPhotos(4, to: gallery)
        XCTAssertEqual(
            try runClip(["index", "--model", "synthetic-shapes", "--library", library.path, gallery.path]).status, 0)
        let server = try ServeProcess.start(["--library", library.path], in: dir)
        let (status, body) = try await server.request("/v1/search", ["query": "a photo", "top_k": 3])
        XCTAssertEqual(status, 200, "\(body)")
        XCTAssertEqual(ServeProcess.paths(body).count, 3, "\(body)")
        XCTAssertEqual(server.stop(), 0)
        let log = try String(contentsOf: server.log, encoding: .utf8)
        XCTAssertTrue(log.contains("serving synthetic-shapes (fp32, dimension 64)"), log)

        let other = SearchFixtures.model.path
        let refused = try runClip(
            ["serve", "--port", "0", "--library", library.path, "--model", other, "--index", gallery.path],
            environment: offline(dir))
        XCTAssertEqual(refused.status, 1, refused.err)
        XCTAssertTrue(
            refused.err.contains(
                """
                    was built with synthetic-shapes, not \(other) (given with --model): re-indexing embeds all \
                    \(photos) files
                    """
            ), refused.err)
        let alone = try runClip(["serve", "--port", "0", "--library", library.path, "--model", other, "--reindex"])
        XCTAssertEqual(alone.status, 64, alone.err)
        XCTAssertTrue(alone.err.contains("--reindex needs --index"), alone.err)
        XCTAssertEqual(try LibraryDatabase.storedModel(in: library)?.spec, ModelSpec(model: "synthetic-shapes"))
    }

    /// A model that is not downloaded, asked for against a library of another: refused before any download.
    func testAnotherModelIsRefusedBeforeItIsDownloaded() throws {
        let dir = try temporaryDirectory(self), gallery = dir.appendingPathComponent("gallery"),
            library = dir.appendingPathComponent("lib")
        try FileManager.default.createDirectory(at: gallery, withIntermediateDirectories: true)
        let photos = try addPhotos(3, to: gallery)
        XCTAssertEqual(
            try runClip(["index", "--model", "synthetic-shapes", "--library", library.path, gallery.path]).status, 0)
        // Online as far as the command knows, but with an empty cache and an endpoint that answers nothing.
        let refused = try runClip(
            ["search", "x", gallery.path, "--library", library.path, "--model", "ViT-L-14"],
            environment: [
                "HF_HUB_CACHE": dir.appendingPathComponent("empty-cache").path, "HF_ENDPOINT": "http://127.0.0.1:9"
            ])
        XCTAssertEqual(refused.status, 1, refused.err)
        XCTAssertTrue(
            refused.err.contains(
                """
                    was built with synthetic-shapes, not ViT-L-14 (given with --model): re-indexing embeds all \
                    \(photos) files
                    """
            ), refused.err)
    }

    /// A library indexed before libraries recorded their model's spec: without --model it says how to go on
    /// (nothing is cleared); given its model once with --model, it records it, and then needs none.
    func testALibraryFromBeforeSpecsLearnsItsModelOnce() throws {
        let dir = try temporaryDirectory(self), gallery = dir.appendingPathComponent("gallery"),
            library = dir.appendingPathComponent("lib")
        try FileManager.default.createDirectory(at: gallery, withIntermediateDirectories: true)
        let photos = try addPhotos(4, to: gallery)
        let loaded = try LoadedModel.load(SearchFixtures.model, towers: .vision)
        let embedder = try loaded.imageEmbedder()
        try blocking {
            let old = SQLiteStore(directory: library)
            try await old.bind(model: loaded.id, dimension: 24)  // identity only, as earlier versions stored it
            _ = try await Indexer(library: old).update(roots: [gallery.path]) { embedder }
        }
        XCTAssertNil(try LibraryDatabase.storedModel(in: library)?.spec)
        let env = offline(dir)
        let refused = try runClip(["search", "x", gallery.path, "--library", library.path], environment: env)
        XCTAssertEqual(refused.status, 1, refused.err)
        XCTAssertTrue(
            refused.err.contains("was built with \(loaded.id), and does not say how to load that model")
                && refused.err.contains("give it with --model"),
            refused.err)
        XCTAssertTrue(refused.err.contains("all \(photos) files"), refused.err)
        let given = try runClip(
            ["search", "x", gallery.path, "--library", library.path, "--model", SearchFixtures.model.path],
            environment: env)
        XCTAssertEqual(given.status, 0, given.err)
        XCTAssertFalse(given.err.contains("index:"), "the same weights: nothing embedded again: \(given.err)")
        XCTAssertEqual(try LibraryDatabase.storedModel(in: library)?.spec, ModelSpec(model: SearchFixtures.model.path))
        let learned = try runClip(
            ["search", "x", gallery.path, "--library", library.path, "--top", "1"], environment: env)
        XCTAssertEqual(learned.status, 0, learned.err)
    }
}

/// `clip library list`, `info` and `remove` on a library folder.
final class LibraryCommandTests: XCTestCase {
    func json(_ arguments: [String]) throws -> Any {
        let result = try runClip(arguments + ["--json"])
        XCTAssertEqual(result.status, 0, result.err)
        return try JSONSerialization.jsonObject(with: Data(result.out.utf8))
    }

    func testListInfoAndRemove() throws {
        let dir = try temporaryDirectory(self), gallery = dir.appendingPathComponent("gallery"),
            more = dir.appendingPathComponent("more")
        let library = dir.appendingPathComponent("lib")
        let (good, bad) = try makeGallery(in: gallery)
        try FileManager.default.createDirectory(at: more, withIntermediateDirectories: true)
        let extra = try addPhotos(4, to: more)
        let at = ["--library", library.path]
        XCTAssertEqual(try runClip(["index", "--model", "synthetic-shapes", gallery.path, more.path] + at).status, 0)

        let listed = try runClip(["library", "list"] + at)
        XCTAssertEqual(listed.status, 0, listed.err)
        XCTAssertEqual(
            listed.out,
            String(
                format: "%8d files  %@ (%d could not be used)\n%8d files  %@\n", good + bad, gallery.path, bad, extra,
                more.path))
        let folders = try json(["library", "list"] + at) as! [[String: Any]]
        XCTAssertEqual(folders.map { $0["folder"] as! String }, [gallery.path, more.path])
        XCTAssertEqual(folders.map { $0["files"] as! Int }, [good + bad, extra])
        XCTAssertEqual(folders.map { $0["errors"] as! Int }, [bad, 0])

        let info = try json(["library", "info"] + at) as! [String: Any]
        XCTAssertEqual(info["library"] as? String, library.path)
        XCTAssertEqual(info["store"] as? String, "folder")
        XCTAssertEqual(info["model"] as? String, "synthetic-shapes")
        XCTAssertEqual(info["precision"] as? String, "fp32")
        XCTAssertEqual(info["dimension"] as? Int, 64)
        XCTAssertEqual(info["files"] as? Int, good + bad + extra)
        XCTAssertEqual(info["errors"] as? Int, bad)
        XCTAssertEqual(info["folders"] as? Int, 2)
        XCTAssertGreaterThan(info["size_bytes"] as? Int ?? 0, 4 * 64 * (good + extra), "the database and the vectors")
        let text = try runClip(["library", "info"] + at)
        XCTAssertTrue(
            text.out.contains("model:      synthetic-shapes\n")
                && text.out.contains("files:      \(good + bad + extra) (\(bad) could not be used"), text.out)

        // A folder that is not in the library: an error naming it and the library's folders; nothing changes.
        let missing = dir.appendingPathComponent("elsewhere").path
        let refused = try runClip(["library", "remove", missing] + at)
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(
            refused.err.contains(
                "\(missing) is not in the library \(library.path) (its folders: \(gallery.path), \(more.path))"),
            refused.err)

        // Removing a folder drops its files and vectors, not the pictures on disk.
        let removed = try runClip(["library", "remove", more.path] + at)
        XCTAssertEqual(removed.status, 0, removed.err)
        XCTAssertEqual(
            removed.out,
            """
                removed \(extra) files under \(more.path) from the library \(library.path) (the pictures on disk are \
                untouched)\n
                """
        )
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: more.path).count, extra)
        XCTAssertEqual(
            (try json(["library", "list"] + at) as! [[String: Any]]).map { $0["folder"] as! String }, [gallery.path])
        let after = try json(["library", "info"] + at) as! [String: Any]
        XCTAssertEqual(after["files"] as? Int, good + bad)
        XCTAssertEqual(after["embedded"] as? Int, good)
        let search = try runClip(["search", "x", more.path, "--no-index", "--paths"] + at)
        XCTAssertEqual(search.status, 0, search.err)
        XCTAssertEqual(search.out, "", "no vector of the removed folder is searched")

        // A folder inside one of the library's: its files go, with a word on how they would come back.
        let stripes = gallery.appendingPathComponent("stripes").path
        let inner = try json(["library", "remove", stripes] + at) as! [String: Any]
        XCTAssertEqual(inner["removed"] as? Int, 12)
        XCTAssertEqual(inner["folder"] as? String, stripes)
        let again = try runClip(["library", "remove", "--library", library.path, more.path])
        XCTAssertEqual(again.status, 1, "removed already: \(again.err)")
        XCTAssertTrue(again.err.contains("\(more.path) is not in the library"), again.err)
        XCTAssertEqual((try json(["library", "info"] + at) as! [String: Any])["files"] as? Int, good + bad - 12)
    }

    func testNoLibraryIsSaidAndNotMade() throws {
        let dir = try temporaryDirectory(self), library = dir.appendingPathComponent("nothing here")
        let listed = try runClip(["library", "list", "--library", library.path])
        XCTAssertEqual(listed.status, 0, listed.err)
        XCTAssertEqual(listed.err, "the library \(library.path) has no folders (clip index DIR adds one)\n")
        let info = try runClip(["library", "info", "--library", library.path])
        XCTAssertTrue(info.out.contains("model:      none yet"), info.out)
        let removed = try runClip(["library", "remove", "--library", library.path, dir.path])
        XCTAssertEqual(removed.status, 1)
        XCTAssertTrue(
            removed.err.contains("\(dir.path) is not in the library \(library.path): there is no library there"),
            removed.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: library.path))
    }
}

/// The same against a PostgreSQL library (`--store`), in a schema of its own.
final class PostgresLibraryCommandTests: XCTestCase {
    var url = ""

    override func setUp() async throws {
        url = try postgresSchemaURL(self, prefix: "clip_cmd_")
    }

    func testTheModelIsRememberedAndFoldersListedAndRemoved() throws {
        let dir = try temporaryDirectory(self), gallery = dir.appendingPathComponent("gallery"),
            more = dir.appendingPathComponent("more")
        let (good, bad) = try makeGallery(in: gallery)
        try FileManager.default.createDirectory(at: more, withIntermediateDirectories: true)
        let extra = try addPhotos(4, to: more)
        let env = ["HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": dir.appendingPathComponent("empty-cache").path]
        let at = ["--store", url]
        let indexed = try runClip(
            ["index", "--model", "synthetic-shapes", gallery.path, more.path] + at, environment: env)
        XCTAssertEqual(indexed.status, 0, indexed.err)

        // Without --model: the library's model; another is refused, and the library is untouched.
        let search = try runClip(
            ["search", "a red square", gallery.path, "--top", "2", "--paths"] + at, environment: env)
        XCTAssertEqual(search.status, 0, search.err)
        XCTAssertFalse(search.err.contains("index:"), search.err)
        let other = SearchFixtures.model.path
        let refused = try runClip(["index", more.path, "--model", other] + at, environment: env)
        XCTAssertEqual(refused.status, 1, refused.err)
        XCTAssertTrue(
            refused.err.contains(
                """
                    was built with synthetic-shapes, not \(other) (given with --model): re-indexing embeds all \
                    \(good + bad + extra) files in it again
                    """
            ),
            refused.err)

        let info = try runClip(["library", "info", "--json"] + at)
        XCTAssertEqual(info.status, 0, info.err)
        let facts = try JSONSerialization.jsonObject(with: Data(info.out.utf8)) as! [String: Any]
        XCTAssertEqual(facts["store"] as? String, "postgresql")
        XCTAssertEqual(facts["model"] as? String, "synthetic-shapes")
        XCTAssertEqual(facts["dimension"] as? Int, 64)
        XCTAssertEqual(facts["files"] as? Int, good + bad + extra)
        XCTAssertEqual(facts["embedded"] as? Int, good + extra)
        XCTAssertEqual(facts["errors"] as? Int, bad)
        XCTAssertEqual(facts["folders"] as? Int, 2)
        XCTAssertGreaterThan(facts["size_bytes"] as? Int ?? 0, 0)
        XCTAssertFalse((facts["library"] as? String ?? "").contains(":clip@"), "no password in \(facts)")

        let listed = try runClip(["library", "list", "--json"] + at)
        XCTAssertEqual(listed.status, 0, listed.err)
        let folders = try JSONSerialization.jsonObject(with: Data(listed.out.utf8)) as! [[String: Any]]
        XCTAssertEqual(folders.map { $0["folder"] as! String }, [gallery.path, more.path])
        XCTAssertEqual(folders.map { $0["files"] as! Int }, [good + bad, extra])

        let missing = try runClip(["library", "remove", dir.appendingPathComponent("elsewhere").path] + at)
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.err.contains("elsewhere is not in the library"), missing.err)
        let removed = try runClip(["library", "remove", more.path] + at)
        XCTAssertEqual(removed.status, 0, removed.err)
        XCTAssertTrue(
            removed.out.hasPrefix("removed \(extra) files under \(more.path) from the library postgres://"), removed.out
        )
        let after =
            try JSONSerialization.jsonObject(with: Data(try runClip(["library", "info", "--json"] + at).out.utf8))
            as! [String: Any]
        XCTAssertEqual(after["files"] as? Int, good + bad)
        XCTAssertEqual(after["embedded"] as? Int, good)
        XCTAssertEqual(after["folders"] as? Int, 1)

        // --reindex: the new model, remembered.
        let reindexed = try runClip(["index", gallery.path, "--model", other, "--reindex"] + at, environment: env)
        XCTAssertEqual(reindexed.status, 0, reindexed.err)
        XCTAssertTrue(reindexed.err.contains("was built with another model (synthetic-shapes)"), reindexed.err)
        let now =
            try JSONSerialization.jsonObject(with: Data(try runClip(["library", "info", "--json"] + at).out.utf8))
            as! [String: Any]
        XCTAssertEqual(now["model"] as? String, other)
        XCTAssertEqual(now["dimension"] as? Int, 24)
        XCTAssertEqual(now["embedded"] as? Int, good)
    }
}
