import CLIP
import CLIPTestSupport
import Foundation
import XCTest

/// Downloads against a local stand-in for the Hugging Face hub (tools/fake_hub.py, started per test):
/// cache layout, resume, checksums, tokens, offline use.
final class HubTests: XCTestCase {
    static let served = Fixtures.url("engine/hf_quickgelu_p32")
    let repo = "acme/tiny-clip"
    var server: Process?
    var work: URL!

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("hub-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        server?.terminate()
        server?.waitUntilExit()
        try? FileManager.default.removeItem(at: work)
    }

    /// Starts the fake hub with extra switches; returns a client whose cache is private to the test.
    func startHub(_ switches: [String] = [], token: String? = nil, offline: Bool = false, repos: [String: URL] = [:])
        throws -> HubClient
    {
        let portFile = work.appendingPathComponent("port")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            [
                "python3", Repository.url("tools/fake_hub.py").path,
                "--repo", "\(repo)=\(Self.served.path)",
                "--repo", "acme/openclip-only=\(Fixtures.url("engine/openclip_gelu_p16").path)",
                "--port-file", portFile.path, "--log", work.appendingPathComponent("log").path
            ] + switches
            + repos.flatMap { ["--repo", "\($0.key)=\($0.value.path)"] }
        try process.run()
        server = process
        let deadline = Date().addingTimeInterval(15)
        while !FileManager.default.fileExists(atPath: portFile.path) {
            guard Date() < deadline, process.isRunning else {
                throw CLIPError.io(file: "tools/fake_hub.py", reason: "python3 did not start the test hub")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let port = try String(contentsOf: portFile, encoding: .utf8)
        return HubClient(
            endpoint: URL(string: "http://127.0.0.1:\(port)")!, token: token, offline: offline,
            cache: HubCache(root: work.appendingPathComponent("cache")))
    }

    func requests() throws -> [[String: Any]] {
        let text = try String(contentsOf: work.appendingPathComponent("log"), encoding: .utf8)
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    func errorText(_ body: () throws -> Void) -> String {
        do { try body() } catch { return "\(error)" }
        XCTFail("expected an error")
        return ""
    }

    func testPullMakesTheHuggingFaceCacheLayout() throws {
        let hub = try startHub()
        let snapshot = try hub.pull(
            repo: repo, files: KnownModels.huggingFace.required, optionalFiles: KnownModels.huggingFace.optional)
        let folder = hub.cache.repoFolder(repo)
        XCTAssertEqual(snapshot.deletingLastPathComponent().lastPathComponent, "snapshots")
        let commit = try String(contentsOf: folder.appendingPathComponent("refs/main"), encoding: .utf8)
        XCTAssertEqual(snapshot.lastPathComponent, commit)
        let original = try Data(contentsOf: Self.served.appendingPathComponent("model.safetensors"))
        let link = try FileManager.default.destinationOfSymbolicLink(
            atPath: snapshot.appendingPathComponent("model.safetensors").path)
        XCTAssertTrue(link.hasPrefix("../../blobs/"), link)
        XCTAssertEqual(URL(fileURLWithPath: link).lastPathComponent.count, 64, "LFS blobs are named by sha256")
        XCTAssertEqual(try Data(contentsOf: snapshot.appendingPathComponent("model.safetensors")), original)
        XCTAssertEqual(hub.cache.cachedSnapshot(repo, requiring: KnownModels.huggingFace.required), snapshot)
        XCTAssertNotNil(try CLIPModel.load(from: snapshot, towers: .vision).vision)
        // Optional files the repository lacks are skipped; a second pull downloads nothing.
        XCTAssertFalse(FileManager.default.fileExists(atPath: snapshot.appendingPathComponent("vocab.json").path))
        let getsBefore = try requests().filter { $0["method"] as? String == "GET" }.count
        try hub.pull(repo: repo, files: KnownModels.huggingFace.required)
        XCTAssertEqual(try requests().filter { $0["method"] as? String == "GET" }.count, getsBefore)
    }

    func testInterruptedDownloadResumesWithARangeRequest() throws {
        let hub = try startHub(["--cut-after", "300000"])
        let message = errorText { try hub.pull(repo: repo, files: KnownModels.huggingFace.required) }
        XCTAssertTrue(message.contains("run the same command again to resume"), message)
        let snapshot = try hub.pull(repo: repo, files: KnownModels.huggingFace.required)
        XCTAssertTrue(
            try requests().contains { $0["range"] as? String == "bytes=300000-" && $0["status"] as? Int == 206 })
        let original = try Data(contentsOf: Self.served.appendingPathComponent("model.safetensors"))
        XCTAssertEqual(try Data(contentsOf: snapshot.appendingPathComponent("model.safetensors")), original)
    }

    func testChecksumMismatchIsRejectedAndNothingIsKept() throws {
        let hub = try startHub(["--corrupt", "model.safetensors"])
        let message = errorText { try hub.pull(repo: repo, files: KnownModels.huggingFace.required) }
        XCTAssertTrue(message.contains("sha256 does not match"), message)
        let blobs = try FileManager.default.contentsOfDirectory(
            atPath: hub.cache.repoFolder(repo).appendingPathComponent("blobs").path)
        XCTAssertFalse(blobs.contains { $0.count >= 64 }, "no corrupt blob or partial file may stay: \(blobs)")
        XCTAssertNil(hub.cache.cachedSnapshot(repo, requiring: KnownModels.huggingFace.required))
    }

    func testPrivateRepositoryNeedsHFToken() throws {
        var hub = try startHub(["--private", repo, "--token", "sesame"])
        let message = errorText { try hub.pull(repo: repo, files: KnownModels.huggingFace.required) }
        XCTAssertTrue(message.contains("HF_TOKEN"), message)
        hub.token = "sesame"
        XCTAssertNoThrow(try hub.pull(repo: repo, files: KnownModels.huggingFace.required))
    }

    func testResolverPullsOnFirstUseAndWorksOfflineAfterwards() throws {
        let hub = try startHub()
        let folder = try ModelResolver(hub: hub).resolve(repo)
        XCTAssertEqual(
            try requests().filter { $0["method"] as? String == "HEAD" }.count,
            1 + KnownModels.huggingFace.required.count + KnownModels.huggingFace.optional.count,
            "layout probe + 2 required + each optional file once")
        // A repository with only open_clip files is pulled in that layout and loads.
        let openCLIP = try ModelResolver(hub: hub).resolve("acme/openclip-only")
        XCTAssertNotNil(try CLIPModel.load(from: openCLIP, towers: .text).text)
        let message404 = errorText { _ = try ModelResolver(hub: hub).resolve("acme/nothing-here") }
        XCTAssertTrue(message404.contains("not a CLIP checkpoint repository"), message404)
        server?.terminate()
        server?.waitUntilExit()
        var offline = hub
        offline.offline = true
        XCTAssertEqual(try ModelResolver(hub: offline).resolve(repo), folder)
        XCTAssertEqual(try ModelResolver(hub: offline).resolve("acme/openclip-only"), openCLIP)
        let message = errorText { _ = try ModelResolver(hub: offline).resolve("ViT-B-32") }
        XCTAssertTrue(message.contains("run `clip models pull ViT-B-32`"), message)
        let local = Self.served
        XCTAssertEqual(try ModelResolver(hub: offline).resolve(local.path), local, "a local folder is used as it is")
    }

    /// A known SigLIP name pulls open_clip's layout from its timm/ repository, tokenizer.json with it, and
    /// the folder loads with its tokenizer (here a tiny stand-in with the same files).
    func testAKnownSigLIPNamePullsTheOpenCLIPLayoutWithItsTokenizer() throws {
        let repoFolder = work.appendingPathComponent("timm-siglip")
        try FileManager.default.createDirectory(at: repoFolder, withIntermediateDirectories: true)
        let fixtures = Fixtures.root
        for (dir, name) in [
            ("engine/openclip_siglip_tiny", "open_clip_config.json"),
            ("engine/openclip_siglip_tiny", "open_clip_model.safetensors"),
            ("sentencepiece", "tokenizer.json"), ("sentencepiece", "tokenizer_config.json")
        ] {
            try FileManager.default.copyItem(
                at: fixtures.appendingPathComponent("\(dir)/\(name)"), to: repoFolder.appendingPathComponent(name))
        }
        let hub = try startHub(repos: ["timm/ViT-B-16-SigLIP": repoFolder])
        let folder = try ModelResolver(hub: hub).resolve("ViT-B-16-SigLIP")
        for name in ["open_clip_config.json", "open_clip_model.safetensors", "tokenizer.json", "tokenizer_config.json"]
        {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path), name)
        }
        let loaded = try LoadedModel.load(folder, known: KnownModels.entry(for: "ViT-B-16-SigLIP"))
        XCTAssertEqual(loaded.model.config.image.family, .siglip)
        XCTAssertEqual((try loaded.tokenizer() as? SiglipTokenizer)?.cleanup, .openCLIP)
        XCTAssertEqual(try loaded.embedTexts(["a dog"]).shape, [1, 48])
    }

    func testCacheLocationFollowsTheHuggingFaceVariables() {
        XCTAssertEqual(HubCache(environment: ["HF_HUB_CACHE": "/a/b", "HF_HOME": "/c", "HOME": "/h"]).root.path, "/a/b")
        XCTAssertEqual(HubCache(environment: ["HF_HOME": "/c", "HOME": "/h"]).root.path, "/c/hub")
        XCTAssertEqual(HubCache(environment: ["HOME": "/h"]).root.path, "/h/.cache/huggingface/hub")
        let client = HubClient(environment: [
            "HF_ENDPOINT": "http://mirror:8080", "HF_TOKEN": "t", "HF_HUB_OFFLINE": "1", "HOME": "/h"
        ])
        XCTAssertEqual(client.endpoint.absoluteString, "http://mirror:8080")
        XCTAssertEqual(client.token, "t")
        XCTAssertTrue(client.offline)
    }
}
