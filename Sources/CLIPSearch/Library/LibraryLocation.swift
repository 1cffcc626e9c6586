import CLIP
import Foundation

/// Where a library lives, decided once from the command line and the environment: the CLI's library
/// commands and `clip serve` resolve it the same way, then open it here.
public enum LibraryLocation: Sendable, Equatable {
    /// The embedded store: a folder with a SQLite database and a vector file.
    case folder(URL)
    /// PostgreSQL + pgvector: `postgres://user[:password]@host[:port]/database`.
    case database(String)

    /// `store` (a URL), else `library` (a folder), else `$CLIP_DATABASE_URL`, else the default folder
    /// (`folder(named:)`). A folder named on the command line wins over `$CLIP_DATABASE_URL`.
    public static func resolve(
        library: String?, store: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> LibraryLocation {
        named(library: library, store: store, environment: environment)
            ?? .folder(folder(named: nil, environment: environment))
    }

    /// The library folder `library` names (`~` expanded), else `$CLIP_LIBRARY_DIR`, else
    /// `$XDG_DATA_HOME/swiftclip/library`, else `~/.local/share/swiftclip/library`: never the database,
    /// whatever `$CLIP_DATABASE_URL` says (`clip library export` copies between the two).
    public static func folder(
        named library: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> URL {
        if let library { return URL(fileURLWithPath: (library as NSString).expandingTildeInPath) }
        if let dir = environment["CLIP_LIBRARY_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: (dir as NSString).expandingTildeInPath)
        }
        return UserFolders.data(environment: environment).appendingPathComponent("library")
    }

    /// As `resolve`, but nil where it would fall back to the default folder: `clip serve` serves a library
    /// only when one is named.
    public static func named(
        library: String?, store: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> LibraryLocation? {
        if let store { return .database(store) }
        if let library { return .folder(folder(named: library, environment: environment)) }
        if let url = environment["CLIP_DATABASE_URL"], !url.isEmpty { return .database(url) }
        return nil
    }

    /// The URL of a PostgreSQL library; nil for a folder.
    public var databaseURL: String? {
        if case let .database(url) = self { return url }
        return nil
    }

    /// Whether there is a library here to look at: a database always may hold one; a folder only when its
    /// database file exists.
    public var mayExist: Bool {
        switch self {
        case .database: return true
        case let .folder(directory):
            return FileManager.default.fileExists(atPath: directory.appendingPathComponent("library.sqlite").path)
        }
    }

    /// The library's store, not bound to a model yet (`readOnly`: a folder is never written).
    public func open(
        approximateAbove: Int = LibrarySearch.defaultApproximateAbove,
        readOnly: Bool = false
    ) async throws -> any LibraryStore {
        switch self {
        case let .database(url): return try await PostgresStore.connect(url)
        case let .folder(directory):
            return SQLiteStore(directory: directory, approximateAbove: approximateAbove, readOnly: readOnly)
        }
    }

    /// The library bound to the model it holds (nothing is cleared; `readOnly`: a library folder is not
    /// written at all), with that model; nil for the model when nothing was ever indexed into it, and nil
    /// altogether when there is no library here (`clip library list|info|remove`).
    public func openAsStored(readOnly: Bool) async throws -> (library: any LibraryStore, model: LibraryModel?)? {
        guard mayExist else { return nil }
        let library = try await open(readOnly: readOnly)
        do {
            guard let model = try await library.storedModel() else { return (library, nil) }
            _ = try await library.bind(model, replacing: false)
            return (library, model)
        } catch {
            await library.close()
            throw error
        }
    }

    /// The model the library's vectors belong to, read without binding or changing anything; nil for a new
    /// library.
    public func storedModel() async throws -> LibraryModel? {
        switch self {
        case let .folder(directory): return try LibraryDatabase.storedModel(in: directory)
        case .database:
            let store = try await open()
            do {
                let stored = try await store.storedModel()
                await store.close()
                return stored
            } catch {
                await store.close()
                throw error
            }
        }
    }
}
