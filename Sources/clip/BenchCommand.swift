import ArgumentParser
import CLIP
import Foundation

/// Model-only throughput of a ViT-B/32-shaped model with random weights (no file needed).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Measure model-only image and text embedding throughput (random weights; ViT-B/32 by default).")

    @OptionGroup var runtime: RuntimeOptions
    @Flag(name: .long, help: "Print one JSON object instead of a table.")
    var json = false
    @Option(name: .long, help: "Seconds to spend on each measurement (at least 2 runs each, after one warm-up).")
    var seconds: Double = 4
    @Option(name: .long, help: "Model shape: an open_clip architecture name (default ViT-B-32-quickgelu), or 'tiny' (smoke tests).")
    var shape = "ViT-B-32-quickgelu"
    @Flag(name: .long, help: "Also compare the GEMM kernels (fp32 packed, OpenBLAS, and the bf16/int8 kernels this CPU has) on the model's shapes, and print the format and kernel each part of each model runs.")
    var kernels = false
    @Option(name: .long, help: "Only this precision (fp32, bf16, int8, auto); default: every precision this CPU runs.")
    var precision: Precision?
    @Option(name: .long, help: "Which towers to load and measure: image, text or both (peak memory of one tower needs one tower).")
    var towers: TowerChoice = .both

    enum TowerChoice: String, ExpressibleByArgument {
        case image, text, both
    }

    func run() async throws {
        runtime.apply()
        let table = KernelTable.current
        var precisions = precision.map { [$0] } ?? Precision.allCases.filter { $0 != .auto && table.supports($0) }
        if let only = precision {
            let packing = LinearPacking(only)
            if let notice = packing.notice { PrecisionNotice.once(notice) }
            precisions = [packing.precision]
        }
        let config = shape == "tiny"
            ? CLIPConfig(vision: VisionConfig(transformer: TransformerConfig(width: 64, layers: 2, heads: 4, mlpWidth: 256, activation: .quickGELU), imageSize: 64, patchSize: 32),
                         text: TextConfig(transformer: TransformerConfig(width: 64, layers: 2, heads: 4, mlpWidth: 256, activation: .quickGELU)), embedDim: 32)
            : try CLIPConfig(openCLIPModelName: shape)
        if kernels { printKernelTable(precisions, config: config) }
        let size = config.image.imageSize
        func images(_ batch: Int) -> Tensor {
            let t = Tensor(uninitialized: [batch, 3, size, size])
            for i in 0..<t.count { t.data[i] = Float((i * 7919) % 255) / 127.5 - 1 }
            return t
        }
        // CLIP's text tower stops at the end-of-text token: a short prompt and a full 77-token text. SigLIP's
        // attends both ways over its fixed length: every text costs that length.
        let siglip = config.text.style == .siglip
        let context = config.text.contextLength
        var prompt = try Tokenizer.shared().encode("a photo of a dog").ids
        var promptTokens = prompt.firstIndex(of: Tokenizer.endOfText)! + 1
        var long: [Int32] = [Tokenizer.startOfText] + (1..<76).map { Int32(300 + $0) } + [Tokenizer.endOfText]
        if siglip {
            long = (0..<context).map { Int32(300 + $0) }
            prompt = long
            promptTokens = context
        }
        let loadTowers: Towers = towers == .image ? .vision : towers == .text ? .text : .both

        var results: [Measurement] = []
        var plans: [(Precision, [KernelPlanLine])] = []
        for p in precisions {
            let model = CLIPModel.randomWeights(config: config, towers: loadTowers, packing: LinearPacking(p))
            plans.append((p, model.packedLayers.planLines))
            if kernels && !json {
                // What each part resolved to: a part whose format this CPU lacks (the patch embedding's bf16
                // on a CPU with AVX512-VNNI but no AVX512-BF16) says so.
                print("\(p.rawValue) model layers:")
                for line in plans.last!.1 { print("  \(line)") }
            }
            if let vision = model.vision {
                for batch in [1, 32] {
                    let pixels = images(batch)
                    results.append(try measure("image", p, batch: batch, tokens: nil) { _ = try vision.embed(pixels: pixels) })
                }
            }
            if let text = model.text {
                results.append(try measure("text", p, batch: 32, tokens: long.count) { _ = try text.embed(tokens: Array(repeating: long, count: 32)) })
                if !siglip {
                    results.append(try measure("text", p, batch: 64, tokens: promptTokens) { _ = try text.embed(tokens: Array(repeating: prompt, count: 64)) })
                }
            }
        }
        let tokenizerRate = try measureTokenizer()
        let peakMB = peakResidentMegabytes()
        let cpu = BuildInfo.cpuModel
        if json {
            let object: [String: Any] = [
                "model": "\(shape) (random weights)", "threads": Parallelism.threads, "build": BuildInfo.summary, "cpu": cpu,
                "cpu_features": "\(table.features)", "kernels": table.summary,
                "peak_rss_mb": peakMB, "tokenizer_prompts_per_second_1_thread": tokenizerRate,
                "layers": Dictionary(uniqueKeysWithValues: plans.map { plan in
                    (plan.0.rawValue, plan.1.map { line -> [String: Any] in
                        ["part": line.part, "format": line.format.rawValue, "kernel": line.kernel, "layers": line.layers,
                         "asked": (line.fellBackFrom ?? line.format).rawValue]
                    })
                }),
                "results": results.map { ["kind": $0.kind, "precision": $0.precision.rawValue, "batch": $0.batch, "tokens": $0.tokens as Any, "per_second": $0.perSecond, "runs": $0.runs] },
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("SwiftCLIP bench: \(shape) shape, random weights, \(precisions.map(\.rawValue).joined(separator: ", "))")
            print("cpu: \(cpu) (\(table.features))   threads: \(Parallelism.threads)   build: \(BuildInfo.summary)")
            print("kernels: \(table.summary)")
            for r in results {
                let what = r.kind == "image" ? "image embeddings/s" : "text embeddings/s (\(r.tokens!) tokens)"
                print("  \(r.precision.rawValue.padding(toLength: 5, withPad: " ", startingAt: 0)) \(what.padding(toLength: 36, withPad: " ", startingAt: 0)) batch \(String(r.batch).padding(toLength: 3, withPad: " ", startingAt: 0))  \(String(format: "%8.1f", r.perSecond))   (\(r.runs) runs)")
            }
            print(String(format: "  tokenizer: %.0f short prompts/s (1 thread, 1,000 class names × 'a photo of a {}.')", tokenizerRate))
            print("peak resident memory: \(peakMB) MB (the whole run: pass one --precision and --towers to measure one model)")
        }
    }

    /// GEMM throughput on the model's block shapes (image batch 1 and 32, text 77 tokens × 32), per precision,
    /// beside OpenBLAS sgemm.
    func printKernelTable(_ precisions: [Precision], config: CLIPConfig) {
        let header = precisions.map { $0.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0) }.joined()
        print("GEMM GFLOP/s (int8: GOP/s), threads \(Parallelism.threads), \(shape) shapes:")
        print("   rows     N     K  OpenBLAS  \(header)")
        func blockShapes(rows: Int, _ t: TransformerConfig) -> [(Int, Int, Int)] {
            [(rows, 3 * t.width, t.width), (rows, t.width, t.width), (rows, t.mlpWidth, t.width), (rows, t.width, t.mlpWidth)]
        }
        let t = config.text.transformer
        var shapes = blockShapes(rows: 32 * config.text.contextLength, t)
        if let v = config.vit { shapes = blockShapes(rows: v.tokens, v.transformer) + blockShapes(rows: 32 * v.tokens, v.transformer) + shapes }
        var seen = Set<[Int]>()
        shapes = shapes.filter { seen.insert([$0.0, $0.1, $0.2]).inserted }
        for (m, n, k) in shapes {
            let time = seconds / 4  // per kernel and shape: 1 s at the default --seconds 4
            let blas = KernelBenchmark.blas(rows: m, outFeatures: n, inFeatures: k, seconds: time)
            let rates = precisions.map {
                String(format: "%8.1f", KernelBenchmark.gemm(rows: m, outFeatures: n, inFeatures: k, format: $0, seconds: time))
            }
            print(String(format: "  %5d %5d %5d  %8.1f  ", m, n, k, blas) + rates.joined())
        }
    }

    struct Measurement {
        let kind: String, precision: Precision, batch: Int, tokens: Int?, perSecond: Double, runs: Int
    }

    func measure(_ kind: String, _ precision: Precision, batch: Int, tokens: Int?, _ body: () throws -> Void) throws -> Measurement {
        try body()  // warm-up: page in weights, size allocations
        var runs = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        repeat {
            try body()
            runs += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < seconds || runs < 2
        return Measurement(kind: kind, precision: precision, batch: batch, tokens: tokens, perSecond: Double(batch * runs) / elapsed, runs: runs)
    }

    /// Prompt-template tokenization over varied class names (a realistic cache-hit mix), one thread.
    func measureTokenizer() throws -> Double {
        let tokenizer = try Tokenizer.shared()
        let words = ["dog", "cat", "golden retriever", "tench", "school bus", "espresso", "jack-o'-lantern", "crème brûlée"]
        let prompts = (0..<1000).map { "a photo of a \(words[$0 % words.count]) number \($0)." }
        var count = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        repeat {
            for p in prompts { _ = tokenizer.encode(p) }
            count += prompts.count
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < min(seconds, 2)
        return Double(count) / elapsed
    }

    func peakResidentMegabytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss / 1024
    }
}
