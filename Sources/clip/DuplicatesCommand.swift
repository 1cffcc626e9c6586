import ArgumentParser
import CLIP
import CLIPSearch
import Foundation

/// `clip duplicates DIR`: groups of near-duplicate images.
struct DuplicatesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "duplicates",
        abstract: "Print groups of near-duplicate images in a folder (indexes it first).")

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var imageOptions: ImageOptions
    @OptionGroup var libraryOptions: LibraryOptions

    @Argument(help: "The folder.")
    var folder: String
    @Option(name: .long, help: "Cosine similarity at or above which two images are near-duplicates.")
    var threshold: Float = 0.95
    @Flag(name: .long, help: "Do not index first.")
    var noIndex = false
    @OptionGroup var format: OutputOptions

    func validate() throws {
        try LibraryOptions.requireExisting([folder])
        guard threshold.isFinite, threshold > 0, threshold <= 1 else {
            throw ValidationError(
                "--threshold is a cosine similarity above 0 and at most 1 (0.95 is a good start), not \(threshold)")
        }
        guard !(noIndex && libraryOptions.reindex) else {
            throw ValidationError("--reindex re-embeds the library: it cannot go with --no-index, which only reads it")
        }
    }

    func run() async throws {
        runtime.apply()
        let groups = try await libraryOptions.using(modelOptions, towers: .text) { opened in
            if !noIndex {
                try await libraryOptions.update(
                    opened.library, roots: [folder], model: opened.model, images: imageOptions)
            }
            return try await NearDuplicates.groups(opened.library, roots: [folder], threshold: threshold)
        }
        if format.json {
            print(try JSONLines.string(groups.map { $0.map { ["path": $0.path, "score": Double($0.score)] } }))
            return
        }
        for (n, group) in groups.enumerated() {
            print("group \(n + 1) (\(group.count) images)")
            for member in group { print(String(format: "  %.4f  %@", member.score, member.path)) }
        }
        if groups.isEmpty { print("no near-duplicates at threshold \(threshold)") }
    }
}
