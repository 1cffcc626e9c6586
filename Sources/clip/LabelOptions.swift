import ArgumentParser
import CLIP
import Foundation

/// `--labels` and `--labels-file`: the zero-shot classes, inline or from a file, for every command that names
/// classes (`classify`, `lab`).
struct LabelOptions: ParsableArguments {
    @Option(name: .long, help: "Comma-separated labels, e.g. \"cat,dog,car\".")
    var labels: String?
    @Option(name: .long, help: "A text file with one label per line (`imagenet` for the 1,000 ImageNet classes).")
    var labelsFile: String?

    /// Whether either flag was given.
    var given: Bool { labels != nil || labelsFile != nil }

    func validate() throws {
        if labels != nil && labelsFile != nil {
            throw ValidationError("give at most one of --labels and --labels-file")
        }
    }

    /// The labels given, trimmed and without empty ones; nil where neither flag was given.
    func read() throws -> [String]? {
        let list: [String]
        if let labels {
            list = labels.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        } else if let labelsFile {
            list =
                labelsFile == "imagenet"
                ? PromptTemplates.imagenetClassNames
                : try TextList.read(labelsFile).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        } else {
            return nil
        }
        guard !list.isEmpty else { throw CLIPError.invalidArgument("no labels given") }
        return list
    }
}
