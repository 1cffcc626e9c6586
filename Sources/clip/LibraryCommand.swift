import ArgumentParser
import CLIP
import CLIPSearch
import Foundation

/// `clip library export`: copies the folder library into PostgreSQL (`--to`) or back (`--from`), vectors
/// included: nothing is embedded again.
struct LibraryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "library", abstract: "Manage a photo library.", subcommands: [Export.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the library folder into PostgreSQL (--to URL), or a PostgreSQL library into the folder (--from URL), vectors included.")

        @Option(name: .long, help: "Library folder (default: as for clip index).")
        var library: String?
        @Option(name: .long, help: "Copy the folder library into this postgres://user@host:port/database.")
        var to: String?
        @Option(name: .long, help: "Copy this postgres://user@host:port/database library into the folder.")
        var from: String?

        func validate() throws {
            guard (to == nil) != (from == nil) else { throw ValidationError("give exactly one of --to or --from") }
        }

        func run() async throws {
            let folder = SQLiteLibrary(directory: library.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath) } ?? LibraryStore.defaultDirectory())
            let database = try await PostgresLibrary.connect(to ?? from!)
            let (source, destination): (any LibraryBackend, any LibraryBackend) = to != nil ? (folder, database) : (database, folder)
            let started = Date()
            let report = try await LibraryCopy.copy(from: source, to: destination)
            await database.close()
            FileHandle.standardError.write(Data(String(format: "copied %d files with vectors and %d that could not be used (%@) from %@ to %@ in %.1f s\n",
                                                       report.embedded, report.failed, report.model, source.location, destination.location,
                                                       Date().timeIntervalSince(started)).utf8))
        }
    }
}
