import ArgumentParser
import CLIP
import Foundation

@main
struct CLIPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clip",
        abstract: "CLIP on the CPU: embed, search, classify and serve images and text; benchmark the engine.",
        version: BuildInfo.versionReport,
        subcommands: [SearchCommand.self, IndexCommand.self, LibraryCommand.self, ServeCommand.self, DuplicatesCommand.self, EmbedCommand.self, ClassifyCommand.self, RankCommand.self, ProbeCommand.self, EvalCommand.self, DemoCommand.self, DataCommand.self, TrainCommand.self, TokenizeCommand.self, PreprocessCommand.self, ModelsCommand.self, BenchGroupCommand.self, LabCommand.self])

    /// ArgumentParser's entry point, after one check it lacks: a word where a command must be that is no
    /// command gets the nearest one's name ("clip serach" → "did you mean 'search'?"), at any depth.
    static func main() async {
        var command: ParsableCommand.Type = CLIPCommand.self
        var path = ["clip"]
        for word in CommandLine.arguments.dropFirst() {
            let subcommands = command.configuration.subcommands
            guard !subcommands.isEmpty, command.configuration.defaultSubcommand == nil, !word.hasPrefix("-"), word != "help" else { break }
            if let next = subcommands.first(where: { $0._commandName == word || $0.configuration.aliases.contains(word) }) {
                command = next
                path.append(word)
                continue
            }
            let names = subcommands.map { $0._commandName }
            var message = "Error: '\(word)' is not a \(path.joined(separator: " ")) command."
            if let nearest = CommandSuggestion.nearest(to: word, among: names) { message += " Did you mean '\(nearest)'?" }
            message += "\nCommands: \(names.joined(separator: ", ")). See '\(path.joined(separator: " ")) --help'.\n"
            FileHandle.standardError.write(Data(message.utf8))
            Foundation.exit(64)  // EX_USAGE, as ArgumentParser exits for usage errors
        }
        await main(nil)
    }
}
