import ArgumentParser
import CLIP
import CLIPSearch
import Foundation

/// `clip library list|info|remove|export`: what a library holds, dropping a folder from it, and copying it
/// between the folder store and PostgreSQL.
struct LibraryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "library", abstract: "Manage a photo library.", subcommands: [List.self, Info.self, Remove.self, Export.self])

    /// `clip library export`: copies the folder library into PostgreSQL (`--to`) or back (`--from`), vectors
    /// included: nothing is embedded again.
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

/// Which library a `clip library` command works on: `--library DIR` or `--store URL`, found as the other
/// library commands find it (`LibraryOptions`).
struct LibraryLocation: ParsableArguments {
    @Option(name: .long, help: "Library folder (default: $CLIP_LIBRARY_DIR, else $XDG_DATA_HOME/swiftclip/library, else ~/.local/share/swiftclip/library).")
    var library: String?
    @Option(name: .long, help: "The library in PostgreSQL + pgvector instead: postgres://user[:password]@host[:port]/database (default: $CLIP_DATABASE_URL when --library is not given).")
    var store: String?

    func validate() throws {
        guard library == nil || store == nil else { throw ValidationError("give --library DIR or --store URL, not both") }
    }

    /// `--store`, else `$CLIP_DATABASE_URL` when set and no `--library` is given.
    static func databaseURL(store: String?, library: String?) -> String? {
        store ?? (library == nil ? ProcessInfo.processInfo.environment["CLIP_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 } : nil)
    }

    var databaseURL: String? { Self.databaseURL(store: store, library: library) }

    var directory: URL { library.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath) } ?? LibraryStore.defaultDirectory() }

    /// The library bound to the model it holds (nothing is cleared; `readOnly`, a library folder is not
    /// written at all), with that model; nil for the model when nothing was ever indexed into it, and nil
    /// altogether when there is no library folder.
    func open(readOnly: Bool) async throws -> (library: any LibraryBackend, model: LibraryModel?)? {
        let library: any LibraryBackend
        if let databaseURL {
            library = try await PostgresLibrary.connect(databaseURL)
        } else {
            guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("library.sqlite").path) else { return nil }
            library = SQLiteLibrary(directory: directory, readOnly: readOnly)
        }
        do {
            guard let model = try await library.storedModel() else { return (library, nil) }
            _ = try await library.bind(model, replacing: false)
            return (library, model)
        } catch {
            await library.close()
            throw error
        }
    }

    /// The library's folders: those it was asked to index, and, for files outside all of them (indexed by
    /// a version that did not record its folders), the folders that hold them.
    static func folders(of library: any LibraryBackend) async throws -> [String] {
        let recorded = try await library.folders()
        let inside = recorded.isEmpty ? 0 : try await library.tally(under: recorded).files
        guard try await library.tally(under: []).files > inside else { return recorded }
        let outside = try await library.files(under: "/").keys.filter { path in
            !recorded.contains { path == $0 || path.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") }
        }
        let change = LibraryFolders.merge(recorded, adding: LibraryFolders.enclosing(Array(outside)))
        return Set(recorded).subtracting(change.remove).union(change.add).sorted()
    }
}
