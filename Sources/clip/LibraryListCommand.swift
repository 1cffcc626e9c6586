import ArgumentParser
import CLIP
import CLIPSearch
import Foundation

extension LibraryCommand {
    /// `clip library list`: the library's folders with how many files each holds.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the library's folders (those indexed into it) with their file counts.")

        @OptionGroup var location: LibraryLocationOptions
        @OptionGroup var format: OutputOptions

        func run() async throws {
            var rows: [(folder: String, tally: LibraryTally)] = []
            var place = location.directory.path
            if case let (library, model)? = try await location.open(readOnly: true) {
                place = library.location
                if model != nil {
                    for folder in try await LibraryFolders.listed(in: library) {
                        rows.append((folder, try await library.tally(under: [folder])))
                    }
                }
                await library.close()
            }
            if format.json {
                print(
                    try JSONLines.string(
                        rows.map {
                            [
                                "folder": $0.folder, "files": $0.tally.files, "embedded": $0.tally.embedded,
                                "errors": $0.tally.failed
                            ] as [String: Any]
                        }))
                return
            }
            guard !rows.isEmpty else {
                FileHandle.standardError.write(
                    Data("the library \(place) has no folders (clip index DIR adds one)\n".utf8))
                return
            }
            for row in rows {
                let failed = row.tally.failed > 0 ? " (\(row.tally.failed) could not be used)" : ""
                print(String(format: "%8d files  %@%@", row.tally.files, row.folder, failed))
            }
        }
    }
}
