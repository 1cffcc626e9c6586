import GRDB

/// A row of the SQLite store's `files` table: an `IndexedFile` and its vector's row in the vector file
/// (which stays private to this store).
struct FileRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "files"

    var id: Int64?
    var path: String
    var size: Int64
    var mtime: Double
    var hash: String
    /// Row in the vector file, nil until embedded (or after a model change).
    var row: Int64?
    var error: String?

    init(_ file: IndexedFile, row: Int64?) {
        id = file.id
        path = file.path
        size = file.size
        mtime = file.mtime
        hash = file.hash
        self.row = row
        error = file.error
    }

    var indexed: IndexedFile {
        IndexedFile(id: id, path: path, size: size, mtime: mtime, hash: hash, embedded: row != nil, error: error)
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
