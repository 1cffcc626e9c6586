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
            let rows = KnownModels.all.map { entry in (entry, resolver.cached(entry.repo)) }
            if json {
                let objects: [[String: Any]] = rows.map { entry, path in
                    ["name": entry.name, "repo": entry.repo, "description": entry.summary, "cached": path != nil, "path": path?.path ?? NSNull()]
                }
                let data = try JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys])
                print(String(decoding: data, as: UTF8.self))
                return
            }
            print("cache: \(cache.root.path)")
            let nameWidth = rows.map(\.0.name.count).max() ?? 4, repoWidth = rows.map(\.0.repo.count).max() ?? 4
            func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
            print("\(pad("NAME", nameWidth))  \(pad("REPOSITORY", repoWidth))  CACHED  DESCRIPTION")
            for (entry, path) in rows {
                print("\(pad(entry.name, nameWidth))  \(pad(entry.repo, repoWidth))  \(pad(path == nil ? "no" : "yes", 6))  \(entry.summary)")
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
