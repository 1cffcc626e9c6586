import ArgumentParser
import CLIP
import CLIPSearch
import Foundation

extension LibraryCommand {
    /// `clip library remove FOLDER`: drops a folder's files and their vectors from the library (the way
    /// indexing drops deleted files). The pictures on disk are not touched.
    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Drop a folder's files and their vectors from the library (the pictures on disk are not touched).",
            discussion:
                """
                    The folder need not exist any more (a drive that is gone). A folder inside one of the library's \
                    folders is dropped too, until that folder is indexed again.
                    """
        )

        @OptionGroup var location: LibraryLocationOptions
        @Argument(help: "The folder to drop (as clip library list shows it, or a folder inside one).")
        var folder: String
        @OptionGroup var format: OutputOptions

        func run() async throws {
            let root = URL(fileURLWithPath: (folder as NSString).expandingTildeInPath).standardizedFileURL.path
            guard case let (library, model)? = try await location.open(readOnly: false) else {
                throw CLIPError.invalidArgument(
                    "\(root) is not in the library \(location.directory.path): there is no library there")
            }
            do {
                let folders = model == nil ? [] : try await LibraryFolders.listed(in: library)
                let files = model == nil ? 0 : try await library.tally(under: [root]).files
                guard
                    files > 0
                        || folders.contains(where: {
                            $0 == root || $0.hasPrefix(root.hasSuffix("/") ? root : root + "/")
                        })
                else {
                    let known =
                        folders.isEmpty ? "it has no folders" : "its folders: " + folders.joined(separator: ", ")
                    throw CLIPError.invalidArgument("\(root) is not in the library \(library.location) (\(known))")
                }
                let report = try await Indexer(library: library).remove(folder: root)
                let enclosing = folders.first { $0 != root && root.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") }
                await library.close()
                if format.json {
                    print(
                        try JSONLines.string(
                            ["folder": root, "removed": report.removed, "library": library.location] as [String: Any]))
                } else {
                    print(
                        """
                            removed \(report.removed) files under \(root) from the library \(library.location) (the \
                            pictures on disk are untouched)
                            """
                    )
                }
                if let housekeeping = report.housekeeping {
                    FileHandle.standardError.write(Data("library: \(housekeeping)\n".utf8))
                }
                if let enclosing {
                    FileHandle.standardError.write(
                        Data(
                            """
                                note: \(root) lies inside the library's folder \(enclosing): indexing that again adds \
                                its files back (--exclude keeps them out)\n
                                """
                                .utf8))
                }
            } catch {
                await library.close()
                throw error
            }
        }
    }
}
