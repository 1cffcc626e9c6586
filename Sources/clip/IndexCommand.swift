import ArgumentParser
import CLIP
import CLIPSearch
import Foundation

/// `clip index DIR...`: bring folders' library entries up to date (for cron), or list the files that failed.
struct IndexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Index folders of images into the library (incremental; safe to interrupt).")

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var imageOptions: ImageOptions
    @OptionGroup var libraryOptions: LibraryOptions

    @Argument(help: "Folders to index.")
    var folders: [String] = []
    @Flag(name: .long, help: "Only list the files under the folders that could not be used, with the reason.")
    var errors = false
    @Flag(
        name: .long,
        help:
            """
            Rewrite the library folder's vector file without the vectors of changed and removed files (done by \
            itself once 30% of it is such garbage); folders are optional with it.
            """
    )
    var compact = false
    @OptionGroup var format: OutputOptions

    func validate() throws {
        guard !folders.isEmpty || compact else {
            throw ValidationError("name the folders to index (or give --compact alone)")
        }
        if !errors { try LibraryOptions.requireExisting(folders) }
        guard !(errors && libraryOptions.reindex) else {
            throw ValidationError("--reindex re-embeds the library: it cannot go with --errors, which only reads it")
        }
    }

    func run() async throws {
        runtime.apply()
        let report: Indexer.Report? = try await libraryOptions.using(modelOptions, towers: .text) { opened in
            let library = opened.library
            if errors {
                let failures = try await library.failures(
                    under: folders.map { URL(fileURLWithPath: $0).standardizedFileURL.path })
                if format.json {
                    print(try JSONLines.string(failures.map { ["path": $0.path, "error": $0.error ?? ""] }))
                } else {
                    for record in failures { print("\(record.path): \(record.error ?? "")") }
                }
                return nil
            }
            var report: Indexer.Report?
            if !folders.isEmpty {
                report = try await libraryOptions.update(
                    library, roots: folders, model: opened.model, images: imageOptions,
                    requireImages: false)
            }
            if compact {
                let done = try await library.tidy(force: true)
                if format.json {
                    print(
                        try JSONLines.string(
                            ["library": library.location, "compacted": done ?? NSNull()] as [String: Any]))
                } else {
                    print("compact: " + (done ?? "nothing to compact in \(library.location)"))
                }
            }
            return report
        }
        guard let report else { return }
        if format.json {
            print(
                try JSONLines.string([
                    "indexed": report.embedded + report.moved + report.unchanged, "embedded": report.embedded,
                    "moved": report.moved, "unchanged": report.unchanged, "failed": report.failed,
                    "removed": report.removed
                ]))
            return
        }
        print(
            """
            \(report.embedded + report.moved + report.unchanged) files indexed (\(report.embedded) new or \
            changed), \(report.failed) failed, \(report.removed) removed
            """
        )
    }
}
