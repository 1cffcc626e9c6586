import ArgumentParser
import CLIP
import Foundation

/// Model-only throughput of a ViT-B/32-shaped model with random weights (no file needed).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure model-only image and text embedding throughput (random weights; ViT-B/32 by default).")

    @OptionGroup var runtime: RuntimeOptions
    @Flag(name: .long, help: "Print one JSON object instead of a table.")
    var json = false
    @Option(name: .long, help: "Seconds to spend on each measurement (at least 2 runs each, after one warm-up).")
    var seconds: Double = 4
    @Option(name: .long, help: "Model shape: an open_clip architecture name (default ViT-B-32-quickgelu), or 'tiny' (smoke tests).")
    var shape = "ViT-B-32-quickgelu"
    @Flag(name: .long, help: "Also compare the packed GEMM kernel with OpenBLAS on the model's shapes.")
    var kernels = false

    func run() async throws {
        runtime.apply()
        if kernels {
            print("GEMM GFLOP/s (threads \(Parallelism.threads)):   rows    N     K   packed   OpenBLAS")
            for (m, n, k) in [(50, 2304, 768), (50, 3072, 768), (50, 768, 3072), (1600, 2304, 768), (1600, 768, 3072), (448, 1536, 512), (448, 512, 2048), (2464, 2048, 512)] {
                let r = KernelBenchmark.gemm(rows: m, outFeatures: n, inFeatures: k)
                print(String(format: "%45d %5d %5d  %7.1f  %7.1f", m, n, k, r.packedGFLOPS, r.blasGFLOPS))
            }
        }
        let config = shape == "tiny"
            ? CLIPConfig(vision: VisionConfig(transformer: TransformerConfig(width: 64, layers: 2, heads: 4, mlpWidth: 256, activation: .quickGELU), imageSize: 64, patchSize: 32),
                         text: TextConfig(transformer: TransformerConfig(width: 64, layers: 2, heads: 4, mlpWidth: 256, activation: .quickGELU)), embedDim: 32)
            : try CLIPConfig(openCLIPModelName: shape)
        let model = CLIPModel.randomWeights(config: config)
        let vision = try model.requireVision(), text = try model.requireText()
        let size = model.config.vision.imageSize
        func images(_ batch: Int) -> Tensor {
            let t = Tensor(uninitialized: [batch, 3, size, size])
            for i in 0..<t.count { t.data[i] = Float((i * 7919) % 255) / 127.5 - 1 }
            return t
        }
        let prompt = try Tokenizer.shared().encode("a photo of a dog").ids
        let promptTokens = prompt.firstIndex(of: Tokenizer.endOfText)! + 1
        let long: [Int32] = [Tokenizer.startOfText] + (1..<76).map { Int32(300 + $0) } + [Tokenizer.endOfText]

        var results: [Measurement] = []
        for batch in [1, 32] {
            let pixels = images(batch)
            results.append(try measure("image", batch: batch, tokens: nil) { _ = try vision.embed(pixels: pixels) })
        }
        results.append(try measure("text", batch: 32, tokens: 77) { _ = try text.embed(tokens: Array(repeating: long, count: 32)) })
        results.append(try measure("text", batch: 64, tokens: promptTokens) { _ = try text.embed(tokens: Array(repeating: prompt, count: 64)) })
        let tokenizerRate = try measureTokenizer()
        let peakMB = peakResidentMegabytes()
        if json {
            let object: [String: Any] = [
                "model": "\(shape) (random weights)", "threads": Parallelism.threads, "build": BuildInfo.summary,
                "peak_rss_mb": peakMB, "tokenizer_prompts_per_second_1_thread": tokenizerRate,
                "results": results.map { ["kind": $0.kind, "batch": $0.batch, "tokens": $0.tokens as Any, "per_second": $0.perSecond, "runs": $0.runs] },
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("SwiftCLIP bench: \(shape) shape, random weights, fp32")
            print("threads: \(Parallelism.threads)   build: \(BuildInfo.summary)")
            for r in results {
                let what = r.kind == "image" ? "image embeddings/s" : "text embeddings/s (\(r.tokens!) tokens)"
                print("  \(what.padding(toLength: 36, withPad: " ", startingAt: 0)) batch \(String(r.batch).padding(toLength: 3, withPad: " ", startingAt: 0))  \(String(format: "%8.1f", r.perSecond))   (\(r.runs) runs)")
            }
            print(String(format: "  tokenizer: %.0f short prompts/s (1 thread, 1,000 class names × 'a photo of a {}.')", tokenizerRate))
            print("peak resident memory: \(peakMB) MB")
        }
    }

    struct Measurement {
        let kind: String, batch: Int, tokens: Int?, perSecond: Double, runs: Int
    }

    func measure(_ kind: String, batch: Int, tokens: Int?, _ body: () throws -> Void) throws -> Measurement {
        try body()  // warm-up: page in weights, size allocations
        var runs = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        repeat {
            try body()
            runs += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < seconds || runs < 2
        return Measurement(kind: kind, batch: batch, tokens: tokens, perSecond: Double(batch * runs) / elapsed, runs: runs)
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
