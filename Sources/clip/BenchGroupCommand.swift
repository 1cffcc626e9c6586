import ArgumentParser

/// `clip bench engine|ann|train|decode`: throughput benchmarks, each printing the batch, threads, CPU and build flags
/// beside its numbers. `clip bench` alone is `clip bench engine`, the model-only benchmark.
struct BenchGroupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract:
            "Benchmarks: the model (engine, the default), the vector indexes (ann), training steps (train), "
            + "decoding photos (decode).",
        subcommands: [BenchCommand.self, AnnBenchCommand.self, TrainBenchCommand.self, DecodeBenchCommand.self],
        defaultSubcommand: BenchCommand.self)
}
