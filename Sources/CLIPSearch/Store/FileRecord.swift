import GRDB

/// One file the library knows: where it is, what it looked like when embedded, and its vector row or
/// the reason it could not be used.
public struct FileRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "files"

    public var id: Int64?
    public var path: String
    public var size: Int64
    public var mtime: Double
    /// sha256 of the size and the first and last 64 KiB: recognises a moved file without reading it all.
    public var hash: String
    /// Row in the vector file, nil until embedded (or after a model change).
    public var row: Int64?
    /// Why the file could not be used; not retried while size and mtime stay the same.
    public var error: String?

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
