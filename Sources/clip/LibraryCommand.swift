import ArgumentParser
import CLIP
import CLIPSearch
import Foundation

/// `clip library list|info|remove|export`: what a library holds, dropping a folder from it, and copying it
/// between the folder store and PostgreSQL.
struct LibraryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "library", abstract: "Manage a photo library.",
        subcommands: [List.self, Info.self, Remove.self, Export.self])

    /// `clip library export`: copies the folder library into PostgreSQL (`--to`) or back (`--from`), vectors
    /// included: nothing is embedded again.
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                """
                    Copy the library folder into PostgreSQL (--to URL), or a PostgreSQL library into the folder \
                    (--from URL), vectors included.
                    """
        )

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
            // Always the folder, whatever `$CLIP_DATABASE_URL` says: the other side is the database.
            let folder = try await LibraryLocation.folder(LibraryLocation.folder(named: library)).open()
            let database = try await LibraryLocation.database(to ?? from!).open()
            let (source, destination) = to != nil ? (folder, database) : (database, folder)
            let started = Date()
            let report = try await LibraryCopy.copy(from: source, to: destination)
            await database.close()
            FileHandle.standardError.write(
                Data(
                    String(
                        format:
                            "copied %d files with vectors and %d that could not be used (%@) from %@ to %@ in %.1f s\n",
                        report.embedded, report.failed, report.model, source.location, destination.location,
                        Date().timeIntervalSince(started)
                    ).utf8))
        }
    }
}

/// Which library a `clip library` command works on: `--library DIR` or `--store URL`, found as the other
/// library commands find it (`LibraryLocation.resolve`).
struct LibraryLocationOptions: ParsableArguments {
    @Option(
        name: .long,
        help: """
            Library folder (default: $CLIP_LIBRARY_DIR, else $XDG_DATA_HOME/swiftclip/library, \
            else ~/.local/share/swiftclip/library).
            """)
    var library: String?
    @Option(
        name: .long,
        help: """
            The library in PostgreSQL + pgvector instead: postgres://user[:password]@host[:port]/database \
            (default: $CLIP_DATABASE_URL when --library is not given).
            """)
    var store: String?

    func validate() throws {
        guard library == nil || store == nil else {
            throw ValidationError("give --library DIR or --store URL, not both")
        }
    }

    var location: LibraryLocation { LibraryLocation.resolve(library: library, store: store) }

    /// The URL of a PostgreSQL library; nil for a folder.
    var databaseURL: String? { location.databaseURL }

    /// The folder named, else the default one: what messages name before a library is open.
    var directory: URL { LibraryLocation.folder(named: library) }

    /// The library as it is (`LibraryLocation.openAsStored`); nil when there is none.
    func open(readOnly: Bool) async throws -> (library: any LibraryStore, model: LibraryModel?)? {
        try await location.openAsStored(readOnly: readOnly)
    }
}
