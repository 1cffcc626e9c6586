import CLIP
import CLIPTestSupport
import Foundation
import XCTest

/// The traps a new user met in the first hour (issue 25), each as that user meets it: the built `clip`, run
/// as a process, checked on its output, exit status and files. All offline: the bundled model only.
final class FirstHourCLITests: XCTestCase, RunsCLI {
    /// A folder of `count` demo images (colour–shape pictures, `clip demo`'s gallery).
    func demoImages(_ count: Int, in dir: URL) throws -> URL {
        try run(["demo", "--out", dir.appendingPathComponent("demo").path])
        let images = dir.appendingPathComponent("demo/gallery/train/images")
        let names = try FileManager.default.contentsOfDirectory(atPath: images.path).sorted().prefix(count)
        let folder = dir.appendingPathComponent("photos")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in names {
            try FileManager.default.copyItem(
                at: images.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        return folder
    }

    /// Item 3: a copy of the binary, with no build folder or resource bundle beside it, still has its
    /// vocabulary, ImageNet names and bundled model (they are compiled in), and says what it is.
    func testACopiedBinaryNeedsNothingBesideIt() throws {
        let dir = try temporaryDirectory(self)
        let bin = dir.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let copy = bin.appendingPathComponent("clip")
        try FileManager.default.copyItem(at: clip, to: copy)
        let environment = [
            "HOME": dir.path, "XDG_CACHE_HOME": dir.appendingPathComponent("cache").path, "HF_HUB_OFFLINE": "1"
        ]

        let version = try run(["--version"], environment: environment, executable: copy).out
        XCTAssertTrue(version.hasPrefix("SwiftCLIP \(BuildInfo.version)\n"), version)
        for field in ["commit: ", "build: ", "cpu: ", "kernels: fp32: "] {
            XCTAssertTrue(version.contains(field), "--version lacks \(field): \(version)")
        }

        // The BPE vocabulary (tokenize), and the bundled model, written out once into the cache.
        let ids = try run(["tokenize"], stdin: "a photo of a dog\n", environment: environment, executable: copy).out
        XCTAssertTrue(ids.hasPrefix("[49406, 320, 1125, 539, 320, 1929, 49407, 0"), ids)  // open_clip's ids
        let demo = try run(
            ["demo", "--out", dir.appendingPathComponent("demo").path], environment: environment, executable: copy,
            directory: dir)
        XCTAssertTrue(demo.out.contains("demo done"), demo.out + demo.err)
        let bundled = try FileManager.default.contentsOfDirectory(
            atPath: dir.appendingPathComponent("cache/swiftclip/bundled").path)
        XCTAssertEqual(bundled.count, 1, "\(bundled)")
        XCTAssertTrue(bundled[0].hasPrefix("synthetic-shapes-"), bundled[0])
    }

    /// Item 10: a mistyped command gets the nearest one's name, at any depth, and a usage status.
    func testAMistypedCommandGetsTheNearestOne() throws {
        let top = try run(["serach", "a dog"], expectStatus: 64).err
        XCTAssertTrue(top.contains("'serach' is not a clip command. Did you mean 'search'?"), top)
        let nested = try run(["models", "lsit"], expectStatus: 64).err
        XCTAssertTrue(nested.contains("Did you mean 'list'?"), nested)
        let nothingNear = try run(["xyzzy"], expectStatus: 64).err
        XCTAssertFalse(nothingNear.contains("Did you mean"), nothingNear)
        XCTAssertTrue(nothingNear.contains("Commands: search, index"), nothingNear)
    }

    /// Item 2: no images, no silence. Each command says which folder held none and what it held instead,
    /// and exits non-zero; nothing is written.
    func testAFolderWithoutImagesIsAnErrorSayingWhatItHolds() throws {
        let dir = try temporaryDirectory(self)
        let docs = dir.appendingPathComponent("docs"), empty = dir.appendingPathComponent("empty")
        for folder in [docs, empty] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        for name in ["a.txt", "b.txt", "c.pdf", ".hidden"] {
            try Data("x".utf8).write(to: docs.appendingPathComponent(name))
        }
        let model = ["--model", "synthetic-shapes"], library = ["--library", dir.appendingPathComponent("library").path]

        let search = try run(["search", "a red square", docs.path] + model + library, expectStatus: 1).err
        XCTAssertTrue(
            search.contains("\(docs.path): no images: skipped 3 other files (2 .txt, 1 .pdf), 1 hidden"), search)
        let classify = try run(["classify", empty.path, "--labels", "red,blue"] + model, expectStatus: 1).err
        XCTAssertTrue(classify.contains("\(empty.path): no images: the folder is empty"), classify)
        let output = dir.appendingPathComponent("x.npy")
        let embed = try run(["embed", "--images", empty.path, "-o", output.path] + model, expectStatus: 1).err
        XCTAssertTrue(embed.contains("no images"), embed)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path), "a 0 × D array was written")
        // `clip index` of a folder empty today records it (cron), and says what it found.
        let index = try run(["index", docs.path] + model + library).err
        XCTAssertTrue(index.contains("index: \(docs.path): no images: skipped 3 other files"), index)
    }

    /// Item 10: an empty line in --texts is an error naming the line, not an embedding of "".
    func testAnEmptyTextLineIsAnErrorNamingTheLine() throws {
        let dir = try temporaryDirectory(self)
        let texts = dir.appendingPathComponent("texts.txt")
        try Data("a red square\n\na blue circle\n".utf8).write(to: texts)
        let err = try run(
            [
                "embed", "--model", "synthetic-shapes", "--texts", texts.path, "-o",
                dir.appendingPathComponent("t.npy").path
            ], expectStatus: 1
        ).err
        XCTAssertTrue(err.contains("\(texts.path):2: the line is empty"), err)
    }

    /// Item 4: an ImageNet folder laid out by WordNet id is named as the paper names it (said on stderr),
    /// ids outside ImageNet-1k are refused, and top-5 among 5 classes or fewer is not reported.
    func testWordNetFoldersAreNamedAsThePaperNamesThem() throws {
        let dir = try temporaryDirectory(self)
        let photos = try demoImages(4, in: dir)
        let data = dir.appendingPathComponent("val")
        let images = try FileManager.default.contentsOfDirectory(atPath: photos.path).sorted()
        for (i, id) in ["n01440764", "n01443537"].enumerated() {
            let folder = data.appendingPathComponent(id)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for name in images[(2 * i)..<(2 * i + 2)] {
                try FileManager.default.copyItem(
                    at: photos.appendingPathComponent(name), to: folder.appendingPathComponent(name))
            }
        }
        let arguments = [
            "eval", "zeroshot", "--model", "synthetic-shapes", "--data", data.path, "--templates", "simple", "--json"
        ]
        let (out, err) = try run(arguments)
        XCTAssertTrue(err.contains("2 WordNet ids named as in the CLIP paper's ImageNet evaluation"), err)
        let result = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let classes = try XCTUnwrap(result["classes"] as? [[String: Any]]).compactMap { $0["class"] as? String }
        XCTAssertEqual(classes, ["tench", "goldfish"])
        XCTAssertTrue(result["top5"] is NSNull, "top-5 of 2 classes reported: \(String(describing: result["top5"]))")

        let stray = data.appendingPathComponent("n99999999")
        try FileManager.default.createDirectory(at: stray, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: photos.appendingPathComponent(images[0]), to: stray.appendingPathComponent(images[0]))
        let refused = try run(arguments, expectStatus: 1).err
        XCTAssertTrue(refused.contains("WordNet ids outside ImageNet-1k (n99999999)"), refused)
    }

    /// Per-class lines name only the classes that have pictures; the other candidates are counted, not listed.
    /// On the held-out triples split `clip data synth` draws: a few classes scored among 96.
    func testZeroShotListsOnlyClassesWithPictures() throws {
        let dir = try temporaryDirectory(self).appendingPathComponent("shapes")
        try run(["data", "synth", "--out", dir.path, "--count", "1", "--heldout", "0", "--heldout-triples", "12"])
        let labels = try String(contentsOf: dir.appendingPathComponent("heldout-triples/labels.tsv"), encoding: .utf8)
        let present = Set(labels.split(separator: "\n").map { String($0.split(separator: "\t")[1]) })
        let out = try run([
            "eval", "zeroshot", "--model", "synthetic-shapes",
            "--data", dir.appendingPathComponent("heldout-triples").path,
            "--classes", dir.appendingPathComponent("triple-classes.txt").path,
            "--templates", dir.appendingPathComponent("triple-templates.txt").path
        ]).out
        XCTAssertTrue(out.contains("images: 12   classes: 96"), out)
        let classLines = out.split(separator: "\n").filter { $0.hasPrefix("  ") && $0.contains("%") }
        XCTAssertEqual(classLines.count, present.count, out)
        for triple in present { XCTAssertTrue(out.contains("  \(triple) "), "\(triple) not listed: \(out)") }
        XCTAssertFalse(out.contains("(0/0)"), out)
        XCTAssertTrue(out.contains("(and \(96 - present.count) candidate classes without pictures)"), out)

        let refused = try run(
            ["data", "synth", "--out", dir.appendingPathComponent("x").path, "--heldout-triples=-1"],
            expectStatus: 64
        ).err
        XCTAssertTrue(refused.contains("--heldout-triples cannot be negative"), refused)
    }

    /// Item 10: `clip index --json` as the README promises for every command.
    func testIndexPrintsJSON() throws {
        let dir = try temporaryDirectory(self)
        let photos = try demoImages(5, in: dir)
        let library = ["--library", dir.appendingPathComponent("library").path, "--model", "synthetic-shapes"]
        let first = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(try run(["index", photos.path, "--json"] + library).out.utf8))
                as? [String: Int])
        XCTAssertEqual(first["indexed"], 5)
        XCTAssertEqual(first["embedded"], 5)
        let again = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(try run(["index", photos.path, "--json"] + library).out.utf8))
                as? [String: Int])
        XCTAssertEqual(again["embedded"], 0)
        XCTAssertEqual(again["unchanged"], 5)
    }

    /// Item 10: `clip models list` names the bundled model and fits the terminal (here $COLUMNS).
    func testModelsListFitsTheTerminalAndNamesTheBundledModel() throws {
        let dir = try temporaryDirectory(self)
        let environment = ["COLUMNS": "80", "XDG_CACHE_HOME": dir.path]
        let table = try run(["models", "list"], environment: environment).out
        let lines = table.split(separator: "\n")
        XCTAssertTrue(lines.contains { $0.hasPrefix("synthetic-shapes ") }, table)
        for line in lines { XCTAssertLessThanOrEqual(line.count, 80, "wider than the terminal: \(line)") }
        let wide = try run(["models", "list", "--wide"], environment: environment).out
        XCTAssertTrue(wide.contains("openai/clip-vit-base-patch32"), wide)
        let json = try run(["models", "list", "--json"], environment: environment).out
        XCTAssertTrue(json.contains("\"synthetic-shapes\""), json)
    }

    /// Item 10: a photo from the library, searched by image, finds itself at 1.0: the query is decoded as
    /// indexing decoded it (a large JPEG at a reduced DCT scale). The two decodings do differ for this
    /// photo, so the check can fail.
    func testAPhotoFromTheLibraryFindsItselfAtOne() throws {
        let dir = try temporaryDirectory(self)
        let photos = try demoImages(3, in: dir)
        // A 1024×768 JPEG with fine detail: decoded at 1/4 scale for a 64-px model when fast.
        var pixels = [UInt8](repeating: 0, count: 1024 * 768 * 3)
        var state: UInt32 = 12345
        for i in pixels.indices {
            state = state &* 1_664_525 &+ 1_013_904_223
            pixels[i] = UInt8(truncatingIfNeeded: (i / 3 % 1024) / 4 + Int(state >> 27))
        }
        let photo = photos.appendingPathComponent("large.jpg")
        try JPEGEncoder.encode(PixelImage(width: 1024, height: 768, mode: .rgb, pixels: pixels), quality: 95).write(
            to: photo)

        let model = ["--model", "synthetic-shapes"]
        let out = try run(
            [
                "search", "--image", photo.path, photos.path, "--json", "--top", "1", "--library",
                dir.appendingPathComponent("library").path
            ] + model
        ).out
        let best = try XCTUnwrap((JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String: Any]])?.first)
        XCTAssertEqual(best["path"] as? String, photo.path)
        // The same decoding gives the same vector (1 − 5e-7 leaves room for float rounding); the other decoding
        // of this photo is further (below), by 1.4e-6 on the bundled model.
        XCTAssertGreaterThan(try XCTUnwrap(best["score"] as? Double), 0.9999995)

        // The same photo uploaded to the server's reverse search.
        let (server, port) = try startServe(["--library", dir.appendingPathComponent("library").path] + model)
        defer {
            server.terminate()
            server.waitUntilExit()
        }
        let boundary = "----walk\(UUID().uuidString)"
        var form = Data(
            """
            --\(boundary)\r\nContent-Disposition: form-data; name=\"image\"; \
            filename=\"large.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n
            """
            .utf8)
        form +=
            try Data(contentsOf: photo)
            + Data(
                "\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"top_k\"\r\n\r\n1\r\n--\(boundary)--\r\n"
                    .utf8)
        let answer = try RawRequest(
            port: port, path: "/v1/search", contentType: "multipart/form-data; boundary=\(boundary)", body: form
        ).response()
        XCTAssertEqual(answer.status, 200, String(decoding: answer.body, as: UTF8.self))
        let served = try XCTUnwrap(
            ((JSONSerialization.jsonObject(with: answer.body) as? [String: Any])?["results"] as? [[String: Any]])?.first
        )
        XCTAssertEqual(served["path"] as? String, photo.path)
        XCTAssertGreaterThan(
            try XCTUnwrap(served["score"] as? Double), 0.9999995, "the upload was decoded otherwise than the indexing")

        // The exact decoding gives another vector: the check above would fail with it.
        var vectors: [[Float]] = []
        for decoding in ["exact", "fast"] {
            let output = dir.appendingPathComponent("\(decoding).npy")
            try run(["embed", "--images", photo.path, "--jpeg", decoding, "-o", output.path] + model)
            let tensor = try NPY.read(output).tensor(file: output.path)
            vectors.append(Array(UnsafeBufferPointer(start: tensor.data, count: tensor.count)))
        }
        let cosine = zip(vectors[0], vectors[1]).map { $0 * $1 }.reduce(0, +)
        XCTAssertLessThan(
            cosine, 0.9999995, "exact and fast decoding agree for this photo: the test cannot tell them apart")
    }

    /// The rest of the walk: a mistake in what is named is reported as that mistake, before any model is
    /// loaded (offline, the default model's "not downloaded" used to hide a mistyped folder).
    func testMistakesAreNamedBeforeAnyModelLoads() throws {
        let offline = ["HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": try temporaryDirectory(self).path]
        let cases: [([String], String)] = [
            (["search"], "give a query"),
            (["duplicates", "/no/such/folder"], "/no/such/folder: no such file or folder"),
            (["duplicates", NSTemporaryDirectory(), "--threshold", "95"], "--threshold is a cosine similarity"),
            (["index", "/no/such/folder"], "/no/such/folder: no such file or folder")
        ]
        for (arguments, message) in cases {
            let err = try run(arguments, expectStatus: 64, environment: offline).err
            XCTAssertTrue(err.contains(message), "clip \(arguments.joined(separator: " ")): \(err)")
            XCTAssertFalse(err.contains("HF_HUB_OFFLINE"), "the model was loaded first: \(err)")
        }
        let eval = try run(
            ["eval", "zeroshot", "--data", "/no/such/folder", "--model", "synthetic-shapes"], expectStatus: 1
        ).err
        XCTAssertTrue(eval.contains("/no/such/folder: no such file or folder"), eval)
    }

    /// Item 10: a page in use made hundreds of log lines a minute; requests are logged only when asked.
    func testTheServerLogsRequestsOnlyWhenAsked() throws {
        for accessLog in [false, true] {
            let server = try ServeProcess.start(
                ["--model", "synthetic-shapes"] + (accessLog ? ["--access-log"] : []), in: try temporaryDirectory(self))
            let answer = try RawRequest(
                port: server.port, method: "GET", path: "/healthz", contentType: "text/plain", body: Data()
            ).response()
            XCTAssertEqual(answer.status, 200)
            _ = server.stop()
            let log = try String(contentsOf: server.log, encoding: .utf8)
            XCTAssertEqual(log.contains("/healthz"), accessLog, "--access-log \(accessLog): \(log)")
        }
        let refused = try run(["serve", "--model", "synthetic-shapes", "--log-level", "loud"], expectStatus: 64).err
        XCTAssertTrue(refused.contains("loud"), refused)
    }

    /// The walk found it: `--precision` on a library built at another precision named the same weights twice.
    /// Now the refusal says it is the precision.
    func testAnotherPrecisionIsNamedAsSuch() throws {
        guard KernelTable.current.supports(.int8) else {
            throw XCTSkip("int8 runs as fp32 on this CPU: nothing differs")
        }
        let dir = try temporaryDirectory(self)
        let photos = try demoImages(3, in: dir)
        let library = ["--library", dir.appendingPathComponent("library").path]
        try run(["index", photos.path, "--model", "synthetic-shapes"] + library)
        let err = try run(["search", "a red square", photos.path, "--precision", "int8"] + library, expectStatus: 1).err
        XCTAssertTrue(
            err.contains("was built with synthetic-shapes at fp32; this command runs it at int8 (--precision)"), err)
        XCTAssertTrue(err.contains("Leave out --precision"), err)
    }
}
