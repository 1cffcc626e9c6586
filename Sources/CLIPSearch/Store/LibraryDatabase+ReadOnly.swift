import CLIP
import Foundation
import GRDB

/// Opening a library to read it only, and the writer's check that it can write. A server that only
/// searches must not need write access: the library may sit on a read-only mount, a snapshot, or in a
/// folder of another user.
extension LibraryDatabase {
    /// The database, opened read-only (SQLite takes its read lock with `fcntl` on the database file,
    /// which a read-only file system allows; the library's rollback journal needs no `-shm`/`-wal` file
    /// made beside it), and the vector file, opened and mapped read-only. Not `immutable`: another
    /// process with write access (`clip index` elsewhere) may still commit, and that must be seen.
    static func openReadOnly(_ directory: URL, modelID: String, dimension: Int) throws -> (DatabaseQueue, VectorFile) {
        let dbPath = directory.appendingPathComponent("library.sqlite").path
        guard FileManager.default.fileExists(atPath: dbPath) else {
            throw CLIPError.io(
                file: directory.path,
                reason: "no library here (no library.sqlite): index one into it first, which needs write access")
        }
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(10)
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: dbPath, configuration: config)
            guard try queue.read({ try migrator.hasCompletedMigrations($0) }) else {
                throw CLIPError.io(
                    file: dbPath,
                    reason:
                        """
                            the library database is incomplete or of an older version: open it once with write access \
                            (clip index) to bring it up to date
                            """
                )
            }
        } catch let error as CLIPError { throw error } catch {
            throw CLIPError.io(file: dbPath, reason: "cannot open the library database read-only: \(error)")
        }
        let meta = try read(queue, dbPath) { try Meta($0) }
        guard meta.model == modelID, meta.dimension == dimension else {
            throw CLIPError.io(
                file: directory.path,
                reason:
                    """
                        the library holds \(meta.model ?? "no model")'s vectors, not \(modelID)'s: opened read-only, \
                        it cannot be re-indexed for this model; use that model, or index it again with write access
                        """
            )
        }
        let vectors = try VectorFile(
            url: directory.appendingPathComponent(meta.vectorFile), dimension: dimension, committedRows: meta.vectors,
            create: false, readOnly: true)
        return (queue, vectors)
    }

    /// Indexing writes the database, the vector file and the lock file beside them: a folder that cannot
    /// be written is said to be one here, naming it, instead of as the first file that fails to open.
    static func checkWritable(_ directory: URL) throws {
        guard access(directory.path, W_OK) != 0 else { return }
        let reason = String(cString: strerror(errno))
        throw CLIPError.io(
            file: directory.path,
            reason:
                """
                    cannot write to the library folder (\(reason)): indexing needs write access; a library that cannot \
                    be written can only be opened read-only, for searching
                    """
        )
    }
}
