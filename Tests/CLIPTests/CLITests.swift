import CLIP
import CLIPTestSupport
import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import XCTest

/// Runs the built `clip` executable as a user would and checks its files and output.
final class CLITests: XCTestCase, RunsCLI {
    func testEmbedTokenIdsAndPixelsMatchTheReference() throws {
        let dir = try temporaryDirectory(self)
        for name in ["hf_gelu_p14_fp16", "openclip_gelu_p16"] {
            let model = Fixtures.url("engine/\(name)").path
            let textOut = dir.appendingPathComponent("\(name)-text.npy").path
            let imageOut = dir.appendingPathComponent("\(name)-image.npy").path
            try run([
                "embed", "--model", model, "--token-ids", Fixtures.url("engine/\(name)/tokens.npy").path, "-o", textOut
            ])
            try run([
                "embed", "--model", model, "--pixels", Fixtures.url("engine/\(name)/pixels.npy").path, "-o", imageOut
            ])
            checkTensor(
                try NPY.read(URL(fileURLWithPath: textOut)).tensor(file: textOut),
                try Fixtures.floats("engine/\(name)/text_embeds.npy"), tolerance: 1e-4, "\(name) CLI text")
            checkTensor(
                try NPY.read(URL(fileURLWithPath: imageOut)).tensor(file: imageOut),
                try Fixtures.floats("engine/\(name)/image_embeds.npy"), tolerance: 1e-4, "\(name) CLI image")
        }
    }

    func testEmbedTextsAndImagesInArgumentOrder() throws {
        let dir = try temporaryDirectory(self)
        let model = Fixtures.url("engine/hf_gelu_p14_fp16").path
        let texts = dir.appendingPathComponent("texts.txt")
        try Data("a photo of a dog\na diagram\r\na photo of a dog\n".utf8).write(to: texts)
        let out = dir.appendingPathComponent("t.npy").path
        try run(["embed", "--model", model, "--texts", texts.path, "-o", out])
        let t = try NPY.read(URL(fileURLWithPath: out)).tensor(file: out)
        XCTAssertEqual(t.shape, [3, 24])
        XCTAssertEqual(t.row(0), t.row(2))
        XCTAssertNotEqual(t.row(0), t.row(1))
        var norm: Float = 0
        for v in t.row(1) { norm += v * v }
        XCTAssertEqual(norm, 1, accuracy: 1e-5)

        let a = Fixtures.url("images/rgb_baseline.jpg").path, b = Fixtures.url("images/gray.png").path
        let imagesOut = dir.appendingPathComponent("i.npy").path
        try run(["embed", "--model", model, "--images", a, b, a, "-o", imagesOut])
        let i = try NPY.read(URL(fileURLWithPath: imagesOut)).tensor(file: imagesOut)
        XCTAssertEqual(i.shape, [3, 24])
        XCTAssertEqual(i.row(0), i.row(2))
        XCTAssertNotEqual(i.row(0), i.row(1))
    }

    func testEmbedSkipsAndReportsBadImagesAndMapsRowsInJSONL() throws {
        let dir = try temporaryDirectory(self)
        let bad = dir.appendingPathComponent("bad.jpg")
        try Data("nope".utf8).write(to: bad)
        let out = dir.appendingPathComponent("o.npy").path
        let good = Fixtures.url("images/rgb.png").path
        let (_, err) = try run([
            "embed", "--model", Fixtures.url("engine/hf_gelu_p14_fp16").path, "--images", good, bad.path, good, "-o",
            out
        ])
        XCTAssertTrue(
            err.contains(bad.path) && err.contains("not a supported image") && err.contains("1 of 3 images skipped"),
            err)
        XCTAssertEqual(try NPY.read(URL(fileURLWithPath: out)).tensor(file: out).shape, [2, 24])
        let rows = try String(contentsOfFile: dir.appendingPathComponent("o.jsonl").path, encoding: .utf8).split(
            separator: "\n")
        XCTAssertEqual(rows, ["{\"index\":0,\"path\":\"\(good)\"}", "{\"index\":2,\"path\":\"\(good)\"}"])
        let (_, none) = try run(
            ["embed", "--model", Fixtures.url("engine/hf_gelu_p14_fp16").path, "--images", bad.path, "-o", out],
            expectStatus: 1)
        XCTAssertTrue(none.contains("none of the 1 images could be used"), none)
    }

    func testEmbedFolderShardsAndHalf() throws {
        let dir = try temporaryDirectory(self)
        let model = Fixtures.url("engine/hf_gelu_p14_fp16").path, folder = Fixtures.url("tasks").path
        var seen: [Int] = []
        for shard in 0..<3 {
            let out = dir.appendingPathComponent("s\(shard).npy").path
            try run(["embed", "--model", model, "--images", folder, "--shard", "\(shard)/3", "--half", "-o", out])
            guard case let .float32(shape, _) = try NPY.read(URL(fileURLWithPath: out)) else {
                return XCTFail("expected float16 read as float32 values")
            }
            XCTAssertEqual(shape, [8, 24])
            let lines = try String(contentsOfFile: dir.appendingPathComponent("s\(shard).jsonl").path, encoding: .utf8)
                .split(separator: "\n")
            let indices = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }.map
            { $0["index"] as! Int }
            XCTAssertTrue(indices.allSatisfy { $0 % 3 == shard })
            seen += indices
        }
        XCTAssertEqual(seen.sorted(), Array(0..<24), "the shards cover every image exactly once")
        let header = try Data(contentsOf: dir.appendingPathComponent("s0.npy")).prefix(80)
        XCTAssertTrue(String(decoding: header, as: UTF8.self).contains("<f2"))
    }

    func testClassifyRankProbeAndEvalCommands() throws {
        let dir = try temporaryDirectory(self)
        let model = Fixtures.url("engine/hf_gelu_p14_fp16").path, tasks = Fixtures.url("tasks").path
        let (json, _) = try run([
            "classify", "--model", model, tasks + "/circles/00.png", tasks + "/stripes/00.png",
            "--labels", "a circle, a stripe ,a dog", "--templates", "simple", "--top", "2", "--json"
        ])
        let results = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [[String: Any]]
        XCTAssertEqual(results.count, 2)
        let predictions = results[0]["predictions"] as! [[String: Any]]
        XCTAssertEqual(predictions.count, 2)
        XCTAssertTrue(predictions.allSatisfy { ["a circle", "a stripe", "a dog"].contains($0["label"] as! String) })

        let (ranked, _) = try run([
            "rank", "--model", model, "--prompt", "red", "--versus", "blue", tasks, "--top", "5", "--paths"
        ])
        XCTAssertEqual(ranked.split(separator: "\n").count, 5)

        let probe = dir.appendingPathComponent("p.safetensors").path
        let (report, _) = try run([
            "probe", "train", "--model", model, "--data", tasks, "-o", probe, "--held-out", "0.5"
        ])
        XCTAssertTrue(report.contains("held-out accuracy: 100.00% (12/12)"), report)
        let (predicted, _) = try run([
            "probe", "predict", "--model", model, "--probe", probe, tasks + "/stripes", "--json"
        ])
        let labels = (try JSONSerialization.jsonObject(with: Data(predicted.utf8)) as! [[String: Any]]).map {
            $0["label"] as! String
        }
        XCTAssertEqual(labels, Array(repeating: "stripes", count: 12))

        let (zeroShot, _) = try run([
            "eval", "zeroshot", "--model", model, "--data", tasks, "--templates", "simple", "--json"
        ])
        let summary = try JSONSerialization.jsonObject(with: Data(zeroShot.utf8)) as! [String: Any]
        XCTAssertEqual(summary["images"] as? Int, 24)
        XCTAssertTrue(summary["top5"] is NSNull, "two classes: top-5 is 100% by construction, not reported")
        let (retrieval, _) = try run([
            "eval", "retrieval", "--model", model, "--captions", tasks + "/captions.tsv", "--json"
        ])
        let recall = try JSONSerialization.jsonObject(with: Data(retrieval.utf8)) as! [String: Any]
        XCTAssertEqual(recall["captions"] as? Int, 24)
        XCTAssertEqual((recall["text_to_image"] as! [String: Double])["R@10"].map { $0 > 0 }, true)
    }

    func testTokenizePrintsOpenCLIPIds() throws {
        let (out, _) = try run(["tokenize"], stdin: "a photo of a dog\nHello, World!\n")
        let lines = out.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines[0].hasPrefix("[49406, 320, 1125, 539, 320, 1929, 49407, 0"), String(lines[0]))
        XCTAssertEqual(lines[0].split(separator: ",").count, 77)
    }

    /// A SigLIP 2 folder's Gemma tokenizer: fixed-length ids padded with <pad> = 0, or with --raw the
    /// pieces alone, as GemmaTokenizerFast and sentencepiece give them (the fixture's first rows).
    func testTokenizeASentencePieceFolder() throws {
        let dir = try temporaryDirectory(self)
        try FileManager.default.copyItem(
            at: Fixtures.url("gemma/tokenizer.model"), to: dir.appendingPathComponent("tokenizer.model"))
        let (padded, _) = try run(["tokenize", "--model", dir.path, "--length", "16"], stdin: "A photo of a cat.\n")
        XCTAssertEqual(
            padded.trimmingCharacters(in: .whitespacesAndNewlines),
            "[836, 496, 502, 294, 477, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]",
            "open_clip's clean-up (lowercase, no punctuation), <eos>, <pad>")
        let (raw, _) = try run(["tokenize", "--model", dir.path, "--raw"], stdin: "A photo of a cat.\na\n")
        XCTAssertEqual(raw.split(separator: "\n"), ["[854, 496, 502, 294, 477, 867]", "[836]"])
        let (_, err) = try run(["tokenize", "--raw"], stdin: "a\n", expectStatus: 64)
        XCTAssertTrue(err.contains("--raw is for SentencePiece"), err)
        let (_, short) = try run(["tokenize", "--model", dir.path, "--length", "1"], stdin: "a\n", expectStatus: 64)
        XCTAssertTrue(short.contains("--length must be at least 2"), short)
    }

    /// `clip lab` end to end on the bundled model (its own held-out pictures): JSON with each experiment's
    /// numbers and files, index.html; and its usage errors.
    func testLabRunsOnTheBundledModelAndNamesItsUsageErrors() throws {
        let out = try temporaryDirectory(self).appendingPathComponent("lab")
        let (json, _) = try run([
            "lab", "occlusion", "--model", "synthetic-shapes", "--out", out.path, "--limit", "4", "--json"
        ])
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let experiments = try XCTUnwrap(object["experiments"] as? [[String: Any]])
        XCTAssertEqual(experiments.first?["experiment"] as? String, "occlusion")
        XCTAssertNotNil((experiments.first?["numbers"] as? [String: Double])?["slope_pixels"])
        for file in ["occlusion.csv", "occlusion.svg", "index.html", "inputs/heldout/labels.tsv"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), file)
        }
        // `all` on a ResNet without labels runs what it can and says what it leaves out.
        let resnet = try temporaryDirectory(self).appendingPathComponent("lab-rn")
        let (rnJSON, _) = try run([
            "lab", "all", "--model", Fixtures.url("engine/openclip_rn_tiny").path, "--images",
            Fixtures.url("images/rgb_224.jpg").path,
            "--out", resnet.path, "--json"
        ])
        let rn = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(rnJSON.utf8)) as? [String: Any])
        XCTAssertEqual(
            (rn["experiments"] as? [[String: Any]])?.compactMap { $0["experiment"] as? String },
            ["occlusion", "noise", "preprocess"])
        let skipped = try XCTUnwrap(rn["skipped"] as? [String: String])
        XCTAssertTrue(skipped["activations"]?.contains("no transformer blocks") == true, "\(skipped)")
        XCTAssertTrue(skipped["adversarial"]?.contains("no zero-shot labels") == true, "\(skipped)")
        let (_, noImages) = try run(
            ["lab", "noise", "--model", Fixtures.url("engine/hf_quickgelu_p32").path, "--out", out.path],
            expectStatus: 64)
        XCTAssertTrue(noImages.contains("give --images"), noImages)
        let (_, badMode) = try run(["lab", "adversarial", "--mode", "l2"], expectStatus: 64)
        XCTAssertTrue(badMode.contains("--mode must be k-pixel or linf"), badMode)
        let (_, badExperiment) = try run(["lab", "occlusions"], expectStatus: 64)
        XCTAssertTrue(badExperiment.contains("occlusions"), badExperiment)
        for (arguments, message) in [
            (["--budget", "0"], "--budget must be at least 1"), (["--limit", "0"], "--limit must be at least 1"),
            (["--batch-size", "0"], "--batch-size must be at least 1"),
            (["--labels", "a,b", "--labels-file", "x.txt"], "at most one of --labels and --labels-file")
        ] {
            let (_, err) = try run(["lab", "noise"] + arguments, expectStatus: 64)
            XCTAssertTrue(err.contains(message), err)
        }
    }

    func testPreprocessWritesTheModelInput() throws {
        let out = try temporaryDirectory(self).appendingPathComponent("p.npy").path
        try run(["preprocess", Fixtures.url("images/rgb_224.jpg").path, "-o", out])
        checkTensor(
            try NPY.read(URL(fileURLWithPath: out)).tensor(file: out),
            try Fixtures.floats("images/rgb_224.jpg.tensor.npy"), tolerance: 1e-6, "clip preprocess")
    }

    func testMissingModelAndBadArguments() throws {
        let (_, err) = try run(
            ["embed", "--model", "/no/such/model", "--texts", "/dev/null", "-o", "/tmp/x.npy"], expectStatus: 1)
        XCTAssertTrue(err.contains("/no/such/model") && err.contains("no such file or folder"), err)
        let (_, err2) = try run(["embed", "--model", "/x", "-o", "/tmp/x.npy"], expectStatus: 64)
        XCTAssertTrue(err2.contains("exactly one of"), err2)
    }

    func testBenchJSONReportsEveryMeasurement() throws {
        let (out, _) = try run(["bench", "--json", "--seconds", "0.01", "--threads", "1", "--shape", "tiny"])
        let json = try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [String: Any]
        XCTAssertEqual(json["threads"] as? Int, 1)
        XCTAssertEqual(json["kernels"] as? String, KernelTable.current.summary)
        let results = json["results"] as! [[String: Any]]
        // Every precision this CPU runs, each with the same four measurements.
        let precisions = Precision.allCases.filter { $0 != .auto && KernelTable.current.supports($0) }.map(\.rawValue)
        XCTAssertEqual(
            results.map { $0["precision"] as! String }, precisions.flatMap { Array(repeating: $0, count: 4) })
        XCTAssertEqual(results.map { $0["batch"] as! Int }, precisions.flatMap { _ in [1, 32, 32, 64] })
        XCTAssertTrue(results.allSatisfy { ($0["per_second"] as! Double) > 0 })
    }

    /// `clip bench decode`: CPU per image by size class for exact and fast decoding, the end-to-end ceiling
    /// from a model rate, and a file that cannot be decoded named and skipped.
    func testBenchDecodeReportsCostPerSizeClassAndTheCeiling() throws {
        let dir = try temporaryDirectory(self)
        for name in ["rgb_baseline.jpg", "cmyk.jpg", "rgb.png"] {
            try FileManager.default.copyItem(at: Fixtures.url("images/\(name)"), to: dir.appendingPathComponent(name))
        }
        try Data("not a jpeg".utf8).write(to: dir.appendingPathComponent("broken.jpg"))
        let (out, err) = try run([
            "bench", "decode", dir.path, "--rounds", "1", "--model-rate", "10", "--threads", "2"
        ])
        XCTAssertTrue(err.contains("broken.jpg"), err)
        let lines = out.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines[0].hasPrefix("decode + preprocess to 224×224"), out)
        let small = try XCTUnwrap(lines.first { $0.hasPrefix("  < 1 MP") }, out).split(separator: " ")
        XCTAssertEqual(small[3], "3", out)  // the three that decode
        XCTAssertTrue(small.suffix(2).allSatisfy { (Double($0) ?? 0) > 0 }, out)
        XCTAssertNotNil(lines.first { $0.hasPrefix("  all") }, out)
        // 10 images/s on 2 threads is 200 ms of model per image; decoding takes some of that.
        for mode in ["exact", "fast"] {
            let line = try XCTUnwrap(lines.first { $0.hasPrefix("ceiling with \(mode) decoding: model 200.0 ms") }, out)
            let ratio = Double(line.components(separatedBy: " = ")[1].prefix(4))!
            XCTAssertTrue(ratio > 0.5 && ratio < 1, line)
        }
        let (_, bad) = try run(["bench", "decode", dir.path, "--model-rate", "0"], expectStatus: 64)
        XCTAssertTrue(bad.contains("--model-rate"), bad)
    }

    func testBenchPrecisionFilterAndFallbackNotice() throws {
        let (out, _) = try run([
            "bench", "--json", "--seconds", "0.01", "--threads", "1", "--shape", "tiny", "--precision", "fp32",
            "--towers", "image"
        ])
        let results =
            (try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [String: Any])["results"] as! [[String: Any]]
        XCTAssertEqual(results.map { $0["precision"] as! String }, ["fp32", "fp32"])
        XCTAssertEqual(results.map { $0["kind"] as! String }, ["image", "image"])
        // A CPU without AVX2 (emulated by masking the features): int8 runs as fp32 and says so, never SIGILL.
        let (masked, err) = try run(
            ["bench", "--json", "--seconds", "0.01", "--threads", "1", "--shape", "tiny", "--precision", "int8"],
            environment: ["CLIP_CPU_FEATURES": "f16c"])
        XCTAssertTrue(err.contains("lacks AVX2") && err.contains("fp32"), err)
        let maskedJSON = try JSONSerialization.jsonObject(with: Data(masked.utf8)) as! [String: Any]
        XCTAssertEqual(maskedJSON["cpu_features"] as? String, "f16c")
        XCTAssertEqual(
            ((maskedJSON["results"] as! [[String: Any]]).map { $0["precision"] as! String }),
            Array(repeating: "fp32", count: 4))
        // --kernels: one row per block GEMM shape of the model, one column per precision this CPU runs.
        let (table, _) = try run([
            "bench", "--kernels", "--seconds", "0.01", "--threads", "1", "--shape", "tiny", "--towers", "image"
        ])
        let lines = table.split(separator: "\n")
        let precisions = Precision.allCases.filter { $0 != .auto && KernelTable.current.supports($0) }.map(\.rawValue)
        XCTAssertEqual(lines[1].split(separator: " ").suffix(precisions.count).map(String.init), precisions, table)
        let rows = lines.dropFirst(2).prefix { $0.hasPrefix("  ") }
        XCTAssertEqual(rows.count, 12, table)  // 4 GEMMs × (image b=1, image b=32, text) for the tiny shape
        XCTAssertTrue(rows.allSatisfy { $0.split(separator: " ").count == 4 + precisions.count }, table)
        // … then what each part of each model runs: the blocks in the precision asked for.
        for precision in precisions {
            XCTAssertTrue(table.contains("\(precision) model layers:\n  image patch embedding: "), table)
            XCTAssertTrue(table.contains("  image blocks: \(precision) × 8 layers on "), table)
        }
    }

    /// The Intel profile (AVX512-VNNI without AVX512-BF16), where this CPU can run it: the int8 model's patch
    /// embedding falls back to fp32, and both `--kernels` and the JSON say so.
    func testBenchSaysWhatThePatchEmbeddingRunsWithoutBF16() throws {
        try XCTSkipUnless(
            CPUFeatures.detected.isSuperset(of: [.avx2, .avx512, .avx512VNNI]),
            "no AVX512-VNNI here (\(CPUFeatures.detected))")
        let intel = ["CLIP_CPU_FEATURES": "avx2,f16c,avx512,avx512vnni"]
        let (intelTable, _) = try run(
            [
                "bench", "--kernels", "--seconds", "0.01", "--threads", "1", "--shape", "tiny", "--towers", "image",
                "--precision", "int8"
            ],
            environment: intel)
        XCTAssertTrue(
            intelTable.contains(
                """
                int8 model layers:\n  image patch embedding: fp32 × 1 layer on packed 6×64 AVX-512 FMA (asked \
                bf16: no kernel on this CPU)\n
                """
                    + "  image blocks: int8 × 8 layers on u8·s8 6×64 AVX512-VNNI"), intelTable)
        let (intelJSON, _) = try run(
            [
                "bench", "--json", "--seconds", "0.01", "--threads", "1", "--shape", "tiny", "--towers", "image",
                "--precision", "int8"
            ],
            environment: intel)
        let layers =
            ((try JSONSerialization.jsonObject(with: Data(intelJSON.utf8)) as! [String: Any])["layers"]
            as! [String: Any])["int8"] as! [[String: Any]]
        XCTAssertEqual(layers.first?["part"] as? String, "image patch embedding")
        XCTAssertEqual(layers.first?["format"] as? String, "fp32")
        XCTAssertEqual(layers.first?["asked"] as? String, "bf16")
    }

    /// `clip eval precision`: fp32 first, then every reduced precision this CPU runs, each held against fp32.
    func testEvalPrecisionReportsCosinesToFP32() throws {
        let dir = try temporaryDirectory(self)
        let prompts = dir.appendingPathComponent("prompts.txt")
        try Data("a photo of a dog\na diagram\nsnow\n".utf8).write(to: prompts)
        let images = ["rgb_baseline.jpg", "cmyk.jpg", "exact_64.png"].map { Fixtures.url("images/\($0)").path }
        let (out, notes) = try run(
            [
                "eval", "precision", "--model", Fixtures.url("engine/hf_gelu_p14_fp16").path,
                "--prompts", prompts.path, "--json", "--images"
            ] + images)
        // A precision this CPU lacks is left out, and said so once on stderr.
        XCTAssertEqual(notes.contains("lacks AVX512-BF16"), !KernelTable.current.supports(.bf16), notes)
        XCTAssertEqual(notes.contains("bf16 is not compared"), !KernelTable.current.supports(.bf16), notes)
        let results =
            (try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [String: Any])["results"] as! [[String: Any]]
        let expected = ["fp32"] + [Precision.bf16, .int8].filter { KernelTable.current.supports($0) }.map(\.rawValue)
        XCTAssertEqual(results.map { $0["precision"] as! String }, expected)
        for row in results.dropFirst() {
            for tower in ["image", "text"] {
                let agreement = row[tower] as! [String: Any]
                XCTAssertEqual(agreement["count"] as? Int, tower == "image" ? 3 : 3)
                XCTAssertGreaterThanOrEqual(agreement["worst_cosine"] as! Double, 0.995, "\(row)")
            }
        }
        let (_, bad) = try run(
            ["eval", "precision", "--model", Fixtures.url("engine/hf_gelu_p14_fp16").path, "--compare", "fp32"],
            expectStatus: 64)
        XCTAssertTrue(bad.contains("--compare") && bad.contains("fp32"), bad)
    }

    /// `--precision` on a model command: int8 stays within its tolerance of the reference (cosine ≥ 0.995,
    /// |Δ| ≤ 0.03 on the tiny fixture), and with the instructions masked away it is exactly fp32, with a notice.
    func testEmbedPrecisionAndFallback() throws {
        let dir = try temporaryDirectory(self)
        let name = "hf_gelu_p14_fp16"
        let model = Fixtures.url("engine/\(name)").path, pixels = Fixtures.url("engine/\(name)/pixels.npy").path
        let expected = try Fixtures.floats("engine/\(name)/image_embeds.npy")
        func embed(_ precision: String, _ environment: [String: String] = [:]) throws -> (Tensor, String) {
            let out = dir.appendingPathComponent("\(precision)-\(environment.count).npy").path
            let (_, err) = try run(
                ["embed", "--model", model, "--pixels", pixels, "-o", out, "--precision", precision],
                environment: environment)
            return (try NPY.read(URL(fileURLWithPath: out)).tensor(file: out), err)
        }
        let (fp32, _) = try embed("fp32")
        let (int8, int8Notice) = try embed("int8")
        checkTensor(int8, expected, tolerance: 0.03, "clip embed --precision int8")
        XCTAssertEqual(int8Notice.contains("lacks"), !KernelTable.current.supports(.int8), int8Notice)
        let (fallback, notice) = try embed("int8", ["CLIP_CPU_FEATURES": "f16c"])
        XCTAssertTrue(notice.contains("running int8 layers in fp32"), notice)
        let (fp32Plain, _) = try embed("fp32", ["CLIP_CPU_FEATURES": "f16c"])
        XCTAssertEqual(fallback.scalars, fp32Plain.scalars)
        // AVX2 alone runs int8 on its own kernel (the int8 GEMMs are exact on every kernel, but attention and
        // the patch embedding run other kernels there, hence the int8 tolerance).
        let (int8OnAVX2, avx2Notice) = try embed("int8", ["CLIP_CPU_FEATURES": "avx2,f16c"])
        XCTAssertFalse(avx2Notice.contains("lacks"), avx2Notice)
        checkTensor(int8OnAVX2, expected, tolerance: 0.03, "clip embed --precision int8 on AVX2 alone")
        let (fp32OnAVX2, _) = try embed("fp32", ["CLIP_CPU_FEATURES": "avx2,f16c"])
        checkTensor(fp32OnAVX2, fp32, tolerance: 1e-6, "fp32 kernels with and without AVX-512")
        let (_, bad) = try run(
            [
                "embed", "--model", model, "--pixels", pixels, "-o", dir.appendingPathComponent("x.npy").path,
                "--precision", "int4"
            ], expectStatus: 64)
        XCTAssertTrue(bad.contains("--precision") && bad.contains("int4"), bad)
    }

    /// `clip train` refuses what cannot train, with the reason: a batch of one, both or neither of --config and
    /// --init, a locked image tower without a model to start from, and a start model that is not HF layout.
    func testTrainRefusesBadArguments() throws {
        let dir = try temporaryDirectory(self)
        let out = dir.appendingPathComponent("run").path
        let config = Fixtures.url("engine/hf_gelu_p14_fp16/config.json").path
        var (_, err) = try run(
            ["train", "--data", dir.path, "--config", config, "--batch-size", "1", "-o", out], expectStatus: 64)
        XCTAssertTrue(err.contains("--batch-size must be at least 2"), err)
        (_, err) = try run(["train", "--data", dir.path, "-o", out], expectStatus: 64)
        XCTAssertTrue(err.contains("give exactly one of --config and --init"), err)
        (_, err) = try run(
            ["train", "--data", dir.path, "--config", config, "--lock-image", "-o", out], expectStatus: 64)
        XCTAssertTrue(err.contains("--lock-image needs --init"), err)
        (_, err) = try run(["train", "--data", dir.path, "--init", dir.path, "-o", out], expectStatus: 1)
        XCTAssertTrue(err.contains(dir.path) && err.contains("training starts from Hugging Face layout models"), err)
    }
}
