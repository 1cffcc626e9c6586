import ArgumentParser
import CLIP

@main
struct CLIPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clip",
        abstract: "CLIP on the CPU: embed, search, classify and serve images and text; benchmark the engine.",
        subcommands: [SearchCommand.self, IndexCommand.self, LibraryCommand.self, ServeCommand.self, DuplicatesCommand.self, EmbedCommand.self, ClassifyCommand.self, RankCommand.self, ProbeCommand.self, EvalCommand.self, DemoCommand.self, DataCommand.self, TrainCommand.self, TokenizeCommand.self, PreprocessCommand.self, ModelsCommand.self, BenchCommand.self, AnnBenchCommand.self, TrainBenchCommand.self, LabCommand.self])
}
