import ArgumentParser
import CLIP
import CLIPBundledModel
import Foundation

/// `clip models list|pull`: the known models, which are in the Hugging Face cache, and downloading them.
struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List known models and download them into the Hugging Face cache.",
        subcommands: [List.self, Pull.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the known models and which are already downloaded.")

        @OptionGroup var format: OutputOptions

        @Flag(name: .long, help: "Every column at full width, whatever the terminal's width.")
        var wide = false

        /// One model as the table and the JSON show it.
        struct Row {
            let name, repo, summary, architecture, resize: String
            let config: CLIPConfig
            let path: URL?
            var cost: ModelCost { ModelCost(config) }
        }

        func run() async throws {
            let resolver = ModelResolver()
            let cache = resolver.hub.cache
            var rows = try KnownModels.all.map { entry in
                Row(
                    name: entry.name, repo: entry.repo, summary: entry.summary, architecture: entry.architecture,
                    resize: entry.resizeMode.rawValue, config: try entry.config, path: resolver.cached(entry.repo))
            }
            // The model compiled into this binary: always there, offline.
            rows.append(
                Row(
                    name: BundledModel.name, repo: "(compiled into clip)",
                    summary: "SwiftCLIP's demo model, trained here on coloured shapes (offline)",
                    architecture: "ViT", resize: "shortest",
                    config: try CLIPConfig(huggingFaceConfig: try BundledModel.files.data("config.json")),
                    path: try BundledModel.folder(named: BundledModel.name)))
            if format.json {
                let objects: [[String: Any]] = rows.map { row in
                    [
                        "name": row.name, "repo": row.repo, "description": row.summary,
                        "family": row.config.image.family.rawValue,
                        "architecture": row.architecture, "image_size": row.config.image.imageSize,
                        "embed_dim": row.config.embedDim,
                        "image_parameters": row.cost.imageParameters, "text_parameters": row.cost.textParameters,
                        "image_gflops": (row.cost.imageFLOPs / 1e7).rounded() / 100, "resize": row.resize,
                        "cached": row.path != nil, "path": row.path?.path ?? NSNull()
                    ]
                }
                let data = try JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys])
                print(String(decoding: data, as: UTF8.self))
                return
            }
            print("cache: \(cache.root.path)")
            print("params: image + text tower; GFLOPs: one image through the image tower")
            let table =
                [["NAME", "FAMILY", "IMAGE", "EMBED", "PARAMS", "GFLOPS", "CACHED", "REPOSITORY", "DESCRIPTION"]]
                + rows.map { row in
                    [
                        row.name, row.config.image.family.rawValue, "\(row.config.image.imageSize)",
                        "\(row.config.embedDim)",
                        String(
                            format: "%.0fM + %.0fM", Double(row.cost.imageParameters) / 1e6,
                            Double(row.cost.textParameters) / 1e6),
                        String(format: "%.1f", row.cost.imageFLOPs / 1e9), row.path == nil ? "no" : "yes", row.repo,
                        row.summary
                    ]
                }
            let width = wide ? nil : TerminalWidth.current()
            for line in TextTable.fit(table, width: width, optional: [8, 7, 1]) { print(line) }
            if let width, TextTable.width(of: table) > width {
                print("(fitted to \(width) columns; --wide or --json for everything)")
            }
        }
    }

    struct Pull: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Download a model (known name or org/name) from the Hugging Face hub ($HF_ENDPOINT) into the cache.")

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
