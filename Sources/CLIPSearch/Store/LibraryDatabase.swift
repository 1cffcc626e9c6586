import CLIP
import Foundation
import GRDB

/// The embedded library: a SQLite database (through GRDB) of files, sizes, mtimes, hashes, per-file errors and
/// the model it was built with, and beside it an mmappable vector file. One library holds any number of folders.
public final class LibraryDatabase: @unchecked Sendable {
    public let directory: URL
    public let modelID: String
    public let dimension: Int
    /// Opened only to be read (`clip serve` without `--index`): neither the database nor the vector file
    /// is opened for writing, so a library on a read-only disk, mount or folder can be served.
    public let readOnly: Bool
    let database: DatabaseQueue
    /// The vector file the database names now (`vectors.f32`, or `vectors-N.f32` after N compactions):
    /// switched when this or another process compacts.
    private var currentVectors: VectorFile
    private let fileLock = NSLock()
    let commitLock = NSLock()
    var commits = 0
    /// Set when the library was built with another model and has been cleared for re-indexing.
    public private(set) var replaced: LibraryModel?
    /// The identity of `replaced`.
    public var replacedModel: String? { replaced?.id }

    /// The model a library was built with, read without changing anything; nil when there is no library.
    public static func storedModel(in directory: URL) throws -> LibraryModel? {
        let path = directory.appendingPathComponent("library.sqlite").path
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let queue: DatabaseQueue
        do { queue = try DatabaseQueue(path: path) } catch {
            throw CLIPError.io(file: path, reason: "cannot open the library database: \(error)")
        }
        return try read(queue, path) { db in
            guard try db.tableExists("meta") else { return nil }
            return try Meta(db).stored
        }
    }

    /// Opens the library at `directory` for vectors of the model `modelID` (see `init(directory:model:…)`).
    public convenience init(
        directory: URL, modelID: String, dimension: Int, readOnly: Bool = false, replacing: Bool = false
    ) throws {
        try self.init(
            directory: directory, model: LibraryModel(id: modelID, dimension: dimension), readOnly: readOnly,
            replacing: replacing)
    }

    /// Opens the library at `directory` for `model`'s vectors, made when missing (and records the model's
    /// spec when the library lacks it). A library built with another model is refused
    /// (`LibraryModelMismatch`, nothing written), or with `replacing` cleared for re-indexing; `readOnly`,
    /// it is an error either way (nothing is written).
    public init(directory: URL, model: LibraryModel, readOnly: Bool = false, replacing: Bool = false) throws {
        let modelID = model.id, dimension = model.dimension
        self.directory = directory
        self.modelID = modelID
        self.dimension = dimension
        self.readOnly = readOnly
        if readOnly {
            (database, currentVectors) = try Self.openReadOnly(directory, modelID: modelID, dimension: dimension)
            return
        }
        try FileOutput.createFolder(directory, what: "the library folder")
        try Self.checkWritable(directory)
        let dbPath = directory.appendingPathComponent("library.sqlite").path
        var config = Configuration()
        config.busyMode = .timeout(10)
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: dbPath, configuration: config)
            try Self.migrator.migrate(queue)
        } catch {
            throw CLIPError.io(file: dbPath, reason: "cannot open the library database: \(error)")
        }
        database = queue
        let meta = try Self.read(queue, dbPath) { try Meta($0) }
        let sameModel = meta.model == modelID && meta.dimension == dimension
        if !sameModel, !replacing, let stored = meta.stored {
            let files = try Self.read(queue, dbPath) { try Int.fetchOne($0, sql: "SELECT count(*) FROM files") ?? 0 }
            throw LibraryModelMismatch(location: directory.path, stored: stored, requested: model, files: files)
        }
        if sameModel, meta.spec == nil, let spec = model.spec {
            try Self.write(queue, dbPath) { db in
                try db.execute(
                    sql: "INSERT OR REPLACE INTO meta(key, value) VALUES ('model_spec', ?)", arguments: [spec.json])
            }
        }
        var vectorURL = directory.appendingPathComponent(meta.vectorFile)
        if !sameModel {
            // Another model (or dimension) built this library: its vectors mean nothing now. Forget them
            // all and let indexing embed every file again, instead of mixing spaces or crashing. As the
            // library's writer: another process may be in the middle of a commit.
            try Self.exclusively(directory) {
                // Every vector and index file: an old index left by a compaction would otherwise be read
                // as the new model's when the dimension is the same.
                Self.removeVectorFiles(in: directory, keeping: [])
                try Self.write(queue, dbPath) { db in
                    try db.execute(sql: "UPDATE files SET row = NULL, error = NULL")
                    for (key, value) in [
                        ("model", modelID), ("dimension", "\(dimension)"), ("vectors", "0"),
                        ("vector_file", Self.firstVectorFile)
                    ] {
                        try db.execute(
                            sql: "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", arguments: [key, value])
                    }
                    if let spec = model.spec {
                        try db.execute(
                            sql: "INSERT OR REPLACE INTO meta(key, value) VALUES ('model_spec', ?)",
                            arguments: [spec.json])
                    } else {
                        try db.execute(sql: "DELETE FROM meta WHERE key = 'model_spec'")
                    }
                }
            }
        }
        if !sameModel { vectorURL = directory.appendingPathComponent(Self.firstVectorFile) }
        currentVectors = try VectorFile(
            url: vectorURL, dimension: dimension, committedRows: sameModel ? meta.vectors : 0,
            create: vectorURL.lastPathComponent == Self.firstVectorFile)
        if !sameModel { replaced = meta.stored }
    }

    static let firstVectorFile = "vectors.f32"

    /// The HNSW file that belongs with a vector file (its ids are that file's rows): `index.hnsw` beside
    /// `vectors.f32`, `index-N.hnsw` beside `vectors-N.f32`.
    static func indexName(for vectorFile: String) -> String {
        vectorFile == firstVectorFile
            ? "index.hnsw"
            : vectorFile.replacingOccurrences(of: "vectors", with: "index").replacingOccurrences(
                of: ".f32", with: ".hnsw")
    }

    /// The vector file in use by this process.
    var vectors: VectorFile { fileLock.withLock { currentVectors } }

    /// The vector file the database names (call it inside the read that gave `meta`: a compaction cannot
    /// commit, and so delete the file, while that read is open): the open one, or, after a compaction, the
    /// new one opened in its place. Files only move forward: stale metadata gets its file without making
    /// it this process's current one.
    func vectors(for meta: Meta) throws -> VectorFile {
        try fileLock.withLock {
            let name = currentVectors.url.lastPathComponent
            if name == meta.vectorFile { return currentVectors }
            let file = try VectorFile(
                url: directory.appendingPathComponent(meta.vectorFile), dimension: dimension,
                committedRows: meta.vectors,
                create: false, readOnly: readOnly)
            if Self.generation(of: meta.vectorFile) > Self.generation(of: name) { currentVectors = file }
            return file
        }
    }

    /// 0 for `vectors.f32`, N for `vectors-N.f32`.
    static func generation(of vectorFile: String) -> Int {
        Int(vectorFile.dropFirst("vectors-".count).dropLast(".f32".count)) ?? 0
    }

    /// Deletes the vector and index files in `directory` but `keeping` (a compaction's leftovers, or all of
    /// them when the model changes). Only as the library's writer: nobody is writing them then.
    static func removeVectorFiles(in directory: URL, keeping keep: Set<String>) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for name in names where !keep.contains(name) {
            let vectors = name.hasPrefix("vectors") && name.hasSuffix(".f32")
            let index = name.hasPrefix("index") && name.hasSuffix(".hnsw")
            if vectors || index { try? FileManager.default.removeItem(at: directory.appendingPathComponent(name)) }
        }
    }

    /// The `meta` table: the model the vectors belong to, their dimension, and how many vector rows are
    /// committed.
    struct Meta {
        let model: String?
        let dimension: Int?
        let vectors: Int
        /// The vector file's name (libraries from before compaction have none: `vectors.f32`).
        let vectorFile: String
        /// How to load the model again (libraries from before specs were recorded have none).
        let spec: ModelSpec?

        init(_ db: Database) throws {
            model = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'model'")
            dimension = try Int.fetchOne(db, sql: "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'dimension'")
            vectors = try Int.fetchOne(db, sql: "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'vectors'") ?? 0
            vectorFile =
                try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'vector_file'")
                ?? LibraryDatabase.firstVectorFile
            spec = ModelSpec(json: try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'model_spec'"))
        }

        /// The model the vectors belong to; nil for a new library.
        var stored: LibraryModel? {
            guard let model, let dimension else { return nil }
            return LibraryModel(id: model, dimension: dimension, spec: spec)
        }
    }

    /// The model the library's vectors belong to now, with its spec.
    public func storedModel() throws -> LibraryModel? { try read { try Meta($0).stored } }

    /// Meta keys of the folders the library was asked to index: `folder:` and the path.
    static let folderKey = "folder:"

    /// The folders the library was asked to index, sorted.
    public func folders() throws -> [String] {
        try read { db in
            try String.fetchAll(
                db, sql: "SELECT key FROM meta WHERE key >= ? AND key < ? ORDER BY key",
                arguments: [Self.folderKey, "folder;"]
            )
            .map { String($0.dropFirst(Self.folderKey.count)) }
        }
    }

    /// Records `add` as folders of the library and forgets `remove` (their files stay).
    public func changeFolders(add: [String], remove: [String]) throws {
        guard !readOnly else {
            throw CLIPError.io(
                file: directory.path,
                reason: "the library was opened read-only: its folders cannot be changed through this process")
        }
        try write { db in
            for folder in remove {
                try db.execute(sql: "DELETE FROM meta WHERE key = ?", arguments: [Self.folderKey + folder])
            }
            for folder in add {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                    arguments: [Self.folderKey + folder, "\(Date().timeIntervalSince1970)"])
            }
        }
    }

    /// How many files lie under `roots` (everywhere when empty), counted by SQLite.
    public func tally(under roots: [String]) throws -> LibraryTally {
        try read { db in
            var condition = "1", arguments = StatementArguments()
            if !roots.isEmpty {
                let parts = roots.map { Self.pathUnder($0) }
                condition = parts.map(\.condition).joined(separator: " OR ")
                for part in parts { arguments += part.arguments }
            }
            let row = try Row.fetchOne(
                db,
                sql:
                    """
                        SELECT count(*) AS files, count(row) AS embedded, count(error) AS failed FROM files WHERE \
                        \(condition)
                        """,
                arguments: arguments)
            return LibraryTally(files: row?["files"] ?? 0, embedded: row?["embedded"] ?? 0, failed: row?["failed"] ?? 0)
        }
    }

    /// The bytes of the library folder's files (database, vector and index files).
    public func storageBytes() -> Int64 {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.reduce(Int64(0)) { total, name in
            let attributes = try? FileManager.default.attributesOfItem(
                atPath: directory.appendingPathComponent(name).path)
            guard attributes?[.type] as? FileAttributeType == .typeRegular else { return total }
            return total + ((attributes?[.size] as? NSNumber)?.int64Value ?? 0)
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "meta") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }
            try db.create(table: "files") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("path", .text).notNull().unique()
                t.column("size", .integer).notNull()
                t.column("mtime", .double).notNull()
                t.column("hash", .text).notNull().indexed()
                t.column("row", .integer).indexed()
                t.column("error", .text)
            }
        }
        return migrator
    }

    /// Records of files at or under `root` (a folder path without trailing slash), by path.
    public func records(under root: String) throws -> [String: IndexedFile] {
        let (condition, arguments) = Self.pathUnder(root)
        let records = try read { db in
            try FileRecord.fetchAll(db, sql: "SELECT * FROM files WHERE \(condition)", arguments: arguments)
        }
        return Dictionary(uniqueKeysWithValues: records.map { ($0.path, $0.indexed) })
    }

    /// Every record that failed, in path order.
    public func failures(under roots: [String]) throws -> [IndexedFile] {
        try roots.flatMap { try records(under: $0).values.filter { $0.error != nil } }.sorted { $0.path < $1.path }
    }

    /// An SQL condition (a range on the `path` index) for "the file `root`, or anything under the folder `root`".
    static func pathUnder(_ root: String) -> (condition: String, arguments: StatementArguments) {
        let prefix = root.hasSuffix("/") ? root : root + "/"
        let pastPrefix = String(prefix.dropLast()) + "0"  // "0" follows "/": above every path starting with `prefix`
        return ("(path = ? OR (path >= ? AND path < ?))", [root, prefix, pastPrefix])
    }

    /// One crash-safe step of indexing, as the library's only writer (`asWriter`): vectors are appended
    /// and synced, then a single transaction inserts or updates the records (each `embedded` record gets
    /// its vector's row), deletes `removed`, and moves the committed row count forward.
    public func commit(embedded: [(IndexedFile, [Float])], other: [IndexedFile], removed: [Int64]) throws {
        try asWriter { file in try commitAsWriter(embedded: embedded, other: other, removed: removed, file: file) }
    }

    private func commitAsWriter(
        embedded: [(IndexedFile, [Float])], other: [IndexedFile], removed: [Int64], file: VectorFile
    ) throws {
        try checkDimensions(embedded, dimension, library: directory.path)
        let rows = embedded.isEmpty ? 0..<file.count : try file.append(embedded.map(\.1))
        let committed = file.count
        try write { db in
            for (offset, item) in embedded.enumerated() {
                var record = FileRecord(item.0, row: Int64(rows.lowerBound + offset))
                record.error = nil
                try Self.upsert(&record, db)
            }
            for file in other {
                // A move keeps its vector row; a file that failed has none.
                let existing =
                    try file.id.flatMap { try FileRecord.fetchOne(db, key: $0) }
                    ?? FileRecord.filter(Column("path") == file.path).fetchOne(db)
                var record = FileRecord(file, row: file.error == nil ? existing?.row : nil)
                record.id = record.id ?? existing?.id
                try Self.upsert(&record, db)
            }
            for id in removed { _ = try FileRecord.deleteOne(db, key: id) }
            try db.execute(
                sql: "INSERT OR REPLACE INTO meta(key, value) VALUES ('vectors', ?)", arguments: ["\(committed)"])
        }
        commitLock.withLock { commits += 1 }
    }

    private static func upsert(_ record: inout FileRecord, _ db: Database) throws {
        if record.id == nil, let existing = try FileRecord.filter(Column("path") == record.path).fetchOne(db) {
            record.id = existing.id
        }
        try record.save(db)
    }

    /// Vector rows of the embedded files at or under `roots`, with their paths.
    public func liveRows(under roots: [String]) throws -> [(row: Int, path: String)] {
        try read { db in
            try roots.flatMap { root -> [(row: Int, path: String)] in
                let (condition, arguments) = Self.pathUnder(root)
                return try Row.fetchAll(
                    db, sql: "SELECT row, path FROM files WHERE row IS NOT NULL AND \(condition)", arguments: arguments
                )
                .map { (row: $0["row"], path: $0["path"]) }
            }
        }
    }

    /// The vectors of `rows` of `file`, gathered into one dense `[rows.count, dimension]` array in that order.
    func vectors(of rows: [Int], in file: VectorFile, committed: Int = 0) throws -> [Float] {
        let all = try file.rows(atLeast: committed)
        var gathered = [Float](repeating: 0, count: rows.count * dimension)
        for (i, row) in rows.enumerated() {
            for k in 0..<dimension { gathered[i * dimension + k] = all[row * dimension + k] }
        }
        return gathered
    }

    /// The library's metadata, refusing a library rebuilt with another model since this store opened it.
    private func currentMeta(_ db: Database) throws -> Meta {
        let meta = try Meta(db)
        guard meta.model == modelID else {
            throw CLIPError.io(
                file: directory.path,
                reason: "the library was rebuilt with another model (\(meta.model ?? "none")) since it was opened "
                    + "with \(modelID)")
        }
        return meta
    }

    /// An HNSW index whose ids are the rows of the vector file `vectorFile`.
    public struct ApproximateIndex: @unchecked Sendable {
        public let index: HNSWIndex
        public let vectorFile: String
    }

    /// The HNSW index over every embedded file of the library (ids are vector rows), loaded from beside the
    /// database (mmap) and brought in step with it: rows embedded since are inserted, rows no longer
    /// referenced are tombstoned; saved again when it changed.
    public func approximateIndex() throws -> ApproximateIndex {
        let (rows, meta, file) = try read { db in
            let meta = try currentMeta(db)
            return (
                try Int.fetchAll(db, sql: "SELECT row FROM files WHERE row IS NOT NULL"), meta, try vectors(for: meta)
            )
        }
        let url = directory.appendingPathComponent(Self.indexName(for: meta.vectorFile))
        var index = HNSWIndex(dimension: dimension)
        if FileManager.default.fileExists(atPath: url.path), let saved = try? HNSWIndex.load(from: url),
            saved.dimension == dimension
        {
            index = saved
        }
        // Saved for the next run (not when a compaction replaced the file meanwhile: that index is gone
        // with it); a library folder that cannot be written still gets its searches.
        if try bringInStep(index, live: Set(rows), file: file, committed: meta.vectors),
            (try? read { try Meta($0).vectorFile }) == meta.vectorFile
        {
            try? index.save(to: url)
        }
        return ApproximateIndex(index: index, vectorFile: meta.vectorFile)
    }

    /// Tombstones the index's rows that are no longer live and adds the live rows it lacks; whether it changed.
    func bringInStep(_ index: HNSWIndex, live: Set<Int>, file: VectorFile, committed: Int) throws -> Bool {
        let present = index.liveIDs
        var changed = false
        for row in present.subtracting(live) {
            index.remove(id: row)
            changed = true
        }
        let missing = live.subtracting(present).sorted()
        let added = try vectors(of: missing, in: file, committed: committed)
        index.add(rows: added, ids: missing)
        return changed || !missing.isEmpty
    }

    /// Every embedded file now, with its vector in the mapped file, read in one transaction (so rows
    /// appended by another process since this store opened are mapped too).
    public func snapshot() throws -> LibrarySnapshot {
        let (entries, meta, file) = try read { db in
            let meta = try currentMeta(db)
            return (
                try Row.fetchAll(db, sql: "SELECT id, path, row, hash FROM files WHERE row IS NOT NULL")
                    .map { LibrarySnapshot.Entry(id: $0["id"], path: $0["path"], row: $0["row"], hash: $0["hash"]) },
                meta, try vectors(for: meta)
            )
        }
        return LibrarySnapshot(
            entries: entries, dimension: dimension, vectors: try file.rows(atLeast: meta.vectors), mapping: file,
            vectorFile: meta.vectorFile)
    }

    /// SQLite's `data_version`: moves when another connection (another process indexing) commits.
    public func externalVersion() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "PRAGMA data_version") ?? 0 }
    }

    /// How many times this store has committed (its own changes, which `data_version` does not show).
    public var localCommits: Int { commitLock.withLock { commits } }

    /// Runs `body` as the library's only writer: under an exclusive `flock` on `write.lock` (another
    /// writer, in this process or another, waits), after adopting the vector rows another process
    /// committed, and only while the library is still this model's (another process may have rebuilt it
    /// for another model since this store opened it).
    func asWriter<T>(_ body: (VectorFile) throws -> T) throws -> T {
        guard !readOnly else {
            throw CLIPError.io(
                file: directory.path,
                reason: "the library was opened read-only: it cannot be indexed or compacted through this process")
        }
        return try Self.exclusively(directory) {
            let (meta, file) = try read { db -> (Meta, VectorFile?) in
                let meta = try Meta(db)
                guard meta.model == modelID, meta.dimension == dimension else { return (meta, nil) }
                return (meta, try vectors(for: meta))
            }
            guard let file, file.isCurrentFile else {
                throw CLIPError.io(
                    file: directory.path,
                    reason:
                        """
                            the library was rebuilt with another model (\(meta.model ?? "none")) by another process; \
                            open it again
                            """
                )
            }
            file.adopt(committedRows: meta.vectors)
            return try body(file)
        }
    }

    static func exclusively<T>(_ directory: URL, _ body: () throws -> T) throws -> T {
        let path = directory.appendingPathComponent("write.lock").path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw CLIPError.io(
                file: path, reason: "cannot open the library's lock file: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw CLIPError.io(file: path, reason: "cannot lock the library: \(String(cString: strerror(errno)))")
            }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }

    /// The committed vectors `[count, dimension]`.
    public func vectorRows() throws -> UnsafeBufferPointer<Float> { try vectors.rows() }

    /// SQLite's own consistency check, and whether every referenced row exists and is referenced once.
    public func check() throws -> [String] {
        try read { db in
            var problems = try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
            let meta = try Meta(db)
            let count = meta.vectors
            if (try? vectors(for: meta).rows(atLeast: count)) == nil {
                problems.append("the vector file \(meta.vectorFile) holds fewer than \(count) vectors")
            }
            let rows = try Int.fetchAll(db, sql: "SELECT row FROM files WHERE row IS NOT NULL")
            if rows.contains(where: { $0 < 0 || $0 >= count }) {
                problems.append("a record points past the \(count) committed vectors")
            }
            if Set(rows).count != rows.count { problems.append("two records share a vector row") }
            return problems
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T { try Self.read(database, directory.path, body) }
    func write(_ body: (Database) throws -> Void) throws { try Self.write(database, directory.path, body) }

    static func read<T>(_ queue: DatabaseQueue, _ name: String, _ body: (Database) throws -> T) throws -> T {
        do { return try queue.read(body) } catch let error as CLIPError { throw error } catch {
            throw CLIPError.io(file: name, reason: "library database: \(error)")
        }
    }

    private static func write(_ queue: DatabaseQueue, _ name: String, _ body: (Database) throws -> Void) throws {
        do { try queue.write(body) } catch let error as CLIPError { throw error } catch {
            throw CLIPError.io(file: name, reason: "library database: \(error)")
        }
    }
}
