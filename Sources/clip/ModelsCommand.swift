import ArgumentParser
import CLIP
import Foundation

/// `clip models list|pull`: the known models, which are in the Hugging Face cache, and downloading them.
struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List known models and download them into the Hugging Face cache.",
        subcommands: [List.self, Pull.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the known models and which are already downloaded.")

        @Flag(name: .long, help: "Print JSON instead of a table.")
        var json = false

        func run() async throws {
            let resolver = ModelResolver()
            let cache = resolver.hub.cache
            let rows = try KnownModels.all.map { entry -> (entry: KnownModels.Entry, config: CLIPConfig, cost: ModelCost, path: URL?) in
                let config = try entry.config
                return (entry, config, ModelCost(config), resolver.cached(entry.repo))
            }
            if json {
                let objects: [[String: Any]] = rows.map { row in
                    ["name": row.entry.name, "repo": row.entry.repo, "description": row.entry.summary, "family": row.config.image.family.rawValue,
                     "architecture": row.entry.architecture, "image_size": row.config.image.imageSize, "embed_dim": row.config.embedDim,
                     "image_parameters": row.cost.imageParameters, "text_parameters": row.cost.textParameters,
                     "image_gflops": (row.cost.imageFLOPs / 1e7).rounded() / 100, "resize": row.entry.resizeMode.rawValue,
                     "cached": row.path != nil, "path": row.path?.path ?? NSNull()]
                }
                let data = try JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys])
                print(String(decoding: data, as: UTF8.self))
                return
            }
            print("cache: \(cache.root.path)")
            print("params: image + text tower parameters; GFLOPs: one image through the image tower (2 per multiply-add)")
            let table = [["NAME", "FAMILY", "IMAGE", "EMBED", "PARAMS", "GFLOPS", "CACHED", "REPOSITORY", "DESCRIPTION"]] + rows.map { row in
                [row.entry.name, row.config.image.family.rawValue, "\(row.config.image.imageSize)", "\(row.config.embedDim)",
                 String(format: "%.0fM + %.0fM", Double(row.cost.imageParameters) / 1e6, Double(row.cost.textParameters) / 1e6),
                 String(format: "%.1f", row.cost.imageFLOPs / 1e9), row.path == nil ? "no" : "yes", row.entry.repo, row.entry.summary]
            }
            let widths = (0..<table[0].count).map { column in table.map { $0[column].count }.max()! }
            for line in table {
                print(zip(line, widths).map { $0 + String(repeating: " ", count: $1 - $0.count) }.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
            }
        }
    }

    struct Pull: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Download a model (known name or org/name) from the Hugging Face hub ($HF_ENDPOINT) into the cache.")

        @Argument(help: "A known model name or a hub repository id.")
        var name: String

        @Option(name: .long, help: "Branch, tag or commit.")
        var revision = "main"

        func run() async throws {
            let resolver = ModelResolver()
            guard let repo = resolver.repository(for: name) else {
                throw CLIPError.invalidArgument("\(name) is a local path, not a model name or hub repository id")
            }
            let folder = try resolver.pull(repo: repo, revision: revision, progress: DownloadProgressLine.report)
            DownloadProgressLine.finish()
            print(folder.path)
        }
    }
}
