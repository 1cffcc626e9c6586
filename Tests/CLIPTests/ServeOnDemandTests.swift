import CLIPTestSupport
import Foundation
import XCTest

/// `clip serve --models`: a model loaded on first use is unloaded after `--model-ttl`, and its memory goes
/// back to the OS (RSS falls by at least half the model's size), as Immich ML's model TTL does.
extension CLITests {
    func testAnOnDemandModelIsUnloadedAfterItsTTLAndRSSFalls() throws {
        let dir = try temporaryDirectory(self)
        // A model of ~125 MB, most of it a 768-wide, 4-block image tower (packed when loaded, so all of it is
        // resident; a text tower's token table is read in place, page by page), one step trained.
        let config = dir.appendingPathComponent("config.json")
        try Data(
            """
            {"architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": 64,
             "text_config": {"vocab_size": 49408, "max_position_embeddings": 32, "hidden_size": 64,
               "intermediate_size": 128, "num_hidden_layers": 1, "num_attention_heads": 2,
               "hidden_act": "quick_gelu", "bos_token_id": 49406, "eos_token_id": 49407, "pad_token_id": 1},
             "vision_config": {"image_size": 32, "patch_size": 16, "hidden_size": 768, "intermediate_size": 3072,
               "num_hidden_layers": 4, "num_attention_heads": 12, "hidden_act": "quick_gelu"}}
            """.utf8
        ).write(to: config)
        let data = dir.appendingPathComponent("data"), model = dir.appendingPathComponent("model")
        try run(["data", "synth", "--out", data.path, "--count", "8", "--heldout", "0", "--heldout-triples", "0"])
        try run([
            "train", "--data", data.appendingPathComponent("train").path, "--config", config.path, "-o", model.path,
            "--batch-size", "4", "--steps", "1", "--warmup", "0"
        ])
        let weights = try FileManager.default.attributesOfItem(
            atPath: model.appendingPathComponent("model.safetensors").path)[.size] as? Int ?? 0
        XCTAssertGreaterThan(weights, 100 << 20)

        let (process, port) = try startServe([
            "--model", "synthetic-shapes", "--models", model.path, "--model-ttl", "2"
        ])
        defer { if process.isRunning { process.terminate() } }
        func rss() throws -> Int {
            let status = try String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
            return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) << 10
        }
        let before = try rss()
        let entries = #"{"clip":{"visual":{"modelName":"\#(model.path)"}}}"#
        let image = try Data(contentsOf: data.appendingPathComponent("train/images/000001.png"))
        let (form, type) = Self.immichForm(entries: entries, image: image)
        let answer = try RawRequest(port: port, path: "/predict", contentType: type, body: form).response()
        XCTAssertEqual(answer.status, 200, String(decoding: answer.body, as: UTF8.self))
        let loaded = try rss()
        XCTAssertGreaterThan(loaded - before, weights / 2, "the model should be resident after the request")
        // The TTL is 2 s and the sweeper looks every half second: within 8 s, the memory is back.
        var after = loaded
        for _ in 0..<40 where loaded - after < weights / 2 {
            Thread.sleep(forTimeInterval: 0.2)
            after = try rss()
        }
        XCTAssertGreaterThan(
            loaded - after, weights / 2,
            "RSS before \(before >> 20) MB, loaded \(loaded >> 20) MB, after the TTL \(after >> 20) MB")
    }
}

extension CLITests {
    /// The on-demand and fallback options refuse what they cannot use, before any model loads.
    func testOnDemandAndFallbackOptionsAreChecked() throws {
        let cases: [([String], String)] = [
            (["--preload", "ViT-B-32"], "--preload ViT-B-32: only models named in --models are preloaded"),
            (["--models", "ViT-B-32", "--model-ttl", "nan"], "--model-ttl must be 0 (never unload)"),
            (["--immich-fallback", "ftp://immich:3003"], "--immich-fallback must be an http(s) URL"),
            (["--immich-fallback", ""], "--immich-fallback must be an http(s) URL")
        ]
        for (arguments, message) in cases {
            let err = try run(["serve", "--model", "synthetic-shapes"] + arguments, expectStatus: 64).err
            XCTAssertTrue(err.contains(message), "clip serve \(arguments.joined(separator: " ")): \(err)")
        }
        // An Immich name SwiftCLIP cannot run says why, not "no such file".
        let err = try run(
            ["embed", "--model", "nllb-clip-base-siglip__v1", "--texts", "/dev/null", "-o", "/dev/null"],
            expectStatus: 1
        ).err
        XCTAssertTrue(err.contains("multilingual text tower (visheratin/nllb-clip-base-siglip)"), err)
    }
}
