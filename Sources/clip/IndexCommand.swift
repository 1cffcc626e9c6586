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
    var folders: [String]
    @Flag(name: .long, help: "Only list the files under the folders that could not be used, with the reason.")
    var errors = false

    func run() async throws {
        runtime.apply()
        let loaded = try modelOptions.load(towers: .text)
        let report: Indexer.Report? = try await libraryOptions.using(loaded) { library in
            if errors {
                for record in try await library.failures(under: folders.map { URL(fileURLWithPath: $0).standardizedFileURL.path }) {
                    print("\(record.path): \(record.error ?? "")")
                }
                return nil
            }
            return try await libraryOptions.update(library, roots: folders, model: modelOptions, images: imageOptions)
        }
        guard let report else { return }
        print("\(report.embedded + report.moved + report.unchanged) files indexed (\(report.embedded) new or changed), \(report.failed) failed, \(report.removed) removed")
    }
}
