import CLIP
import Foundation

extension LibraryLocation {
    /// The library bound to `model` and kept open. A folder becomes a `LiveLibrary` (snapshots, background
    /// HNSW; thumbnails inside it); without `writable` it is only read, so it may sit on a read-only mount.
    /// A database is bound once here (an unreachable server is a one-line error now, not per request); then
    /// requests share a pool of `connections`, which connects again after the database comes back, and each
    /// indexing pass has a connection of its own. Another model's library is `LibraryModelMismatch`, unless
    /// `replacing`.
    public func openLive(
        model: LibraryModel, writable: Bool, replacing: Bool, connections: Int = 4,
        thumbnails: URL? = nil
    ) async throws -> OpenedLibrary {
        switch self {
        case let .folder(directory):
            let exists = FileManager.default.fileExists(atPath: directory.appendingPathComponent("library.sqlite").path)
            // A missing library is made, empty, for a `clip index` run to fill while it is served.
            let database = try LibraryDatabase(
                directory: directory, model: model, readOnly: !writable && exists,
                replacing: writable && replacing)
            let live = try LiveLibrary(database: database)
            return OpenedLibrary(
                store: live, indexer: BackgroundIndexer { (live, false) },
                thumbnails: ThumbnailCache(library: database), replaced: database.replaced)
        case let .database(url):
            // Bound once through a connection of its own, opened as every command opens a library.
            let first = try await open()
            let replaced: LibraryModel?
            do {
                replaced = try await first.bind(model, replacing: replacing)
            } catch {
                await first.close()
                throw error
            }
            await first.close()
            let pool = PooledStore(
                size: connections, location: first.location,
                open: { try await PostgresStore.connect(url, holding: model.id) },
                usable: { ($0 as? PostgresStore)?.isConnected ?? false })
            let indexer = BackgroundIndexer {
                let store = try await PostgresStore.connect(url)
                do {
                    // Bound at start already: another client's model since then is refused, never cleared.
                    _ = try await store.bind(model, replacing: false)
                } catch {
                    await store.close()
                    throw error
                }
                return (store, true)
            }
            let folder = thumbnails ?? UserFolders.cache().appendingPathComponent("thumbnails")
            return OpenedLibrary(
                store: pool, indexer: indexer, thumbnails: ThumbnailCache(directory: folder),
                replaced: replaced)
        }
    }
}
