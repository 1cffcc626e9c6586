import ArgumentParser
import CLIP
import CLIPBundledModel
import CLIPTraining
import Foundation

/// `clip bench train`: training steps per second on random data (no decoding), measured as
/// tools/bench_training_peers.py measures PyTorch on the same config.
struct TrainBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Benchmark training throughput (forward + backward + AdamW) on random pixels and captions.")

    @Option(
        name: .long,
        help:
            """
            A transformers CLIP config.json (default: the bundled synthetic-shapes model's, as \
            configs/synthetic-small.json).
            """
    )
    var config: String?
    @Option(name: .long, help: "Pairs per batch.")
    var batchSize = 64
    @Option(name: .long, help: "Timed steps (after 3 warm-up steps).")
    var steps = 20
    @Option(name: .long, help: "clip or siglip.")
    var loss = "clip"
    @OptionGroup var runtime: RuntimeOptions

    func run() async throws {
        runtime.apply()
        // A relative default path worked only from the checkout; the bundled model's config goes everywhere.
        let cfg =
            try config.map { try CLIPConfig(huggingFaceConfigFile: URL(fileURLWithPath: $0)) }
            ?? CLIPConfig(
                huggingFaceConfig: try BundledModel.files.data("config.json"),
                source: "\(BundledModel.name) config.json")
        guard let kind = LossKind(rawValue: loss) else {
            throw ValidationError("--loss must be clip or siglip, not '\(loss)'")
        }
        let model = try TrainableCLIP(config: cfg)
        let optimizer = AdamW(layout: model.layout)
        var random = SeedStream(seed: 1)
        let s = cfg.image.imageSize, n = batchSize, context = cfg.text.contextLength
        let pixels = Tensor(
            shape: [n, 3, s, s], values: (0..<(n * 3 * s * s)).map { _ in Float.random(in: -2...2, using: &random) })
        // Captions of 16 tokens (SOT, 14 words, EOT), like the synthetic ones.
        let tokens = (0..<n).flatMap { _ -> [Int32] in
            [49406] + (0..<14).map { _ in Int32.random(in: 1000..<40000, using: &random) } + [49407]
                + [Int32](repeating: 0, count: context - 16)
        }
        func step() {
            _ = model.lossAndGradients(pixels: pixels, tokens: tokens, loss: kind)
            optimizer.update(model.parameters, gradients: model.gradients, lr: 1e-4)
        }
        for _ in 0..<3 { step() }
        let start = Date()
        for _ in 0..<steps { step() }
        let seconds = Date().timeIntervalSince(start)
        print(
            String(
                format: "SwiftCLIP training  %@  batch %d  %.2fM params  %d threads  %@: %.1f pairs/s (%.1f ms/step)",
                config ?? BundledModel.name, n, Double(model.layout.total) / 1e6, Parallelism.threads,
                BuildInfo.summary,
                Double(n * steps) / seconds, 1000 * seconds / Double(steps)))
    }
}
