import CLIP
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// The library in PostgreSQL with pgvector, shared by any number of indexers and searchers:
/// `clip_files` (path, size, mtime, fingerprint, error, model), `clip_embeddings` (`vector(D)` per file for
/// the bound model, with an HNSW index over inner product: the vectors are unit length) and `clip_meta`.
/// Vectors travel as pgvector's text literal (`[0.1,…]`, cast by the server), which needs no type OID.
///
/// One connection per library object; every multi-statement step is one transaction, so a kill (of
/// this process or the server) loses at most the batch in flight and never leaves a vector without its
/// file or the reverse (the embeddings reference their file, `ON DELETE CASCADE`).
public final class PostgresStore: LibraryStore, @unchecked Sendable {
    let connection: PostgresConnection
    let url: PostgresURL
    /// Every table, index and lock key of this library, in its schema.
    let names: PostgresNames
    let logger = Logger(label: "swiftclip.postgres")
    /// Candidates HNSW explores per query unless the caller says (pgvector's default is 40).
    public var defaultEfSearch = 100
    /// The model this client bound; commits check the library still holds it (another client may rebind).
    private let boundLock = NSLock()
    private var boundModelID: String?

    /// HNSW build parameters: 16 links per node, 64 candidates while building (pgvector's defaults).
    public static let hnswM = 16, hnswEfConstruction = 64

    public var location: String { url.redacted }

    private init(connection: PostgresConnection, url: PostgresURL) {
        self.connection = connection
        self.url = url
        names = PostgresNames(schema: url.schema)
    }

    /// Connects and applies the schema's migrations. Every failure is one line naming the server and what
    /// to do (unreachable, wrong password, no such database, no pgvector).
    public static func connect(_ text: String) async throws -> PostgresStore {
        let url = try PostgresURL(text)
        var configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.user,
            password: url.password, database: url.database, tls: .disable)
        configuration.options.connectTimeout = .seconds(10)
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                configuration: configuration, id: 1, logger: Logger(label: "swiftclip.postgres"))
        } catch {
            throw CLIPError.io(file: url.redacted, reason: describe(error))
        }
        let library = PostgresStore(connection: connection, url: url)
        do {
            try await library.createSchema()
            try await library.migrate()
        } catch {
            try? await connection.close()
            throw error
        }
        return library
    }

    public func close() async { try? await connection.close() }

    /// The server process serving this connection (`pg_backend_pid()`), for logs and for tests that cut it.
    public func serverProcessID() async throws -> Int32 {
        try await exec("SELECT pg_backend_pid()").first?.decode(Int32.self) ?? 0
    }

    /// Whether the connection is still up (a pool drops one that is not, and connects again).
    public var isConnected: Bool { !connection.isClosed }

    /// Runs SQL, turning driver errors into one-line `CLIPError`s that name the server. Never on a closed
    /// connection: postgres-nio 1.33 leaves a query written to a closed channel waiting forever.
    @discardableResult
    func exec(_ query: PostgresQuery) async throws -> [PostgresRow] {
        guard !connection.isClosed else { throw lost }
        do {
            return try await connection.query(query, logger: logger).collect()
        } catch let error as PSQLError where error.code != .server && connection.isClosed {
            throw lost
        } catch {
            throw CLIPError.io(file: url.redacted, reason: Self.describe(error))
        }
    }

    private var lost: CLIPError {
        CLIPError.io(
            file: url.redacted,
            reason:
                """
                    the connection to the server was lost (did the server stop?); run again when it is back: finished \
                    batches are kept
                    """
        )
    }

    /// BEGIN, `body`, COMMIT; after an error, ROLLBACK while the connection is still there (a server that
    /// dropped it has rolled back already).
    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await exec("BEGIN")
        do {
            let value = try await body(connection)
            try await exec("COMMIT")
            return value
        } catch {
            if !connection.isClosed { _ = try? await exec("ROLLBACK") }
            throw error
        }
    }

    // MARK: Binding a model

    public func bind(_ requested: LibraryModel, replacing: Bool) async throws -> LibraryModel? {
        let model = requested.id, dimension = requested.dimension
        guard dimension > 0, dimension <= 2000 else {
            throw CLIPError.invalidArgument(
                "a \(dimension)-d model cannot be indexed by pgvector's HNSW (at most 2,000 dimensions)")
        }
        let replaced = try await transaction { db -> LibraryModel? in
            try await self.advisory("pg_advisory_xact_lock", .schema)
            let stored = try await self.storedModel()
            if let stored, stored.sameVectors(as: requested) {
                // A client that died during a bulk load left the index out; one that is loading holds the
                // bulk lock, and its index is built when it finishes.
                if try await !self.exists(PostgresNames.hnswIndexName),
                    try await self.advisory("pg_try_advisory_xact_lock", .bulk).first?.decode(Bool.self) == true
                {
                    try await self.createIndexInTransaction()
                }
                if stored.spec == nil, let spec = requested.spec { try await self.setMeta("model_spec", spec.json) }
                return nil
            }
            if let stored, !replacing {
                let files =
                    try await self.exec("SELECT count(*) FROM \(unescaped: self.names.files)").first?.decode(Int.self)
                    ?? 0
                throw LibraryModelMismatch(location: self.location, stored: stored, requested: requested, files: files)
            }
            // Another model's vectors (or none yet): a table of this dimension, empty, and every file to embed.
            try await self.exec(PostgresQuery(unsafeSQL: "DROP TABLE IF EXISTS \(self.names.embeddings)"))
            try await self.exec(
                PostgresQuery(
                    unsafeSQL: """
                        CREATE TABLE \(self.names.embeddings) (
                            file_id bigint PRIMARY KEY REFERENCES \(self.names.files)(id) ON DELETE CASCADE,
                            embedding vector(\(dimension)) NOT NULL)
                        """))
            try await self.createIndexInTransaction()
            try await self.exec("UPDATE \(unescaped: self.names.files) SET error = NULL, model = NULL")
            for (key, value) in [("model", model), ("dimension", "\(dimension)")] { try await self.setMeta(key, value) }
            if let spec = requested.spec {
                try await self.setMeta("model_spec", spec.json)
            } else {
                try await self.exec("DELETE FROM \(unescaped: self.names.meta) WHERE key = 'model_spec'")
            }
            return stored
        }
        boundLock.withLock { boundModelID = model }
        return replaced
    }

    private func setMeta(_ key: String, _ value: String) async throws {
        try await exec(
            """
                INSERT INTO \(unescaped: names.meta) (key, value) VALUES (\(key), \(value)) ON CONFLICT (key) DO \
                UPDATE SET value = EXCLUDED.value
                """
        )
    }

    public func storedModel() async throws -> LibraryModel? {
        var meta: [String: String] = [:]
        for row in try await exec(
            "SELECT key, value FROM \(unescaped: names.meta) WHERE key IN ('model', 'dimension', 'model_spec')")
        {
            let (key, value) = try row.decode((String, String).self)
            meta[key] = value
        }
        guard let model = meta["model"], let dimension = meta["dimension"].flatMap(Int.init) else { return nil }
        return LibraryModel(id: model, dimension: dimension, spec: ModelSpec(json: meta["model_spec"]))
    }

    // MARK: Folders

    /// `clip_meta` keys of the folders the library was asked to index: `folder:` and the path.
    static let folderKey = "folder:"

    public func folders() async throws -> [String] {
        try await exec(
            """
                SELECT key FROM \(unescaped: names.meta) WHERE starts_with(key, \(Self.folderKey)) ORDER BY key \
                COLLATE \"C\"
                """
        ).map {
            String(try $0.decode(String.self).dropFirst(Self.folderKey.count))
        }
    }

    public func changeFolders(add: [String], remove: [String]) async throws {
        try await transaction { _ in
            for folder in remove {
                try await self.exec("DELETE FROM \(unescaped: self.names.meta) WHERE key = \(Self.folderKey + folder)")
            }
            for folder in add { try await self.setMeta(Self.folderKey + folder, "\(Date().timeIntervalSince1970)") }
        }
    }

    /// Counted by the server.
    public func tally(under roots: [String]) async throws -> LibraryTally {
        let (condition, binds) = roots.isEmpty ? ("TRUE", PostgresBindings()) : Self.under(roots)
        let row = try await exec(
            PostgresQuery(
                unsafeSQL: """
                    SELECT count(*), count(e.file_id), count(f.error) FROM \(names.files) f LEFT JOIN \
                    \(names.embeddings) e ON e.file_id = f.id WHERE \(condition)
                    """, binds: binds)
        ).first
        let (files, embedded, failed) = try row?.decode((Int, Int, Int).self) ?? (0, 0, 0)
        return LibraryTally(files: files, embedded: embedded, failed: failed)
    }

    /// The library's tables with their indexes and TOAST (`pg_total_relation_size`).
    public func storageBytes() async throws -> Int64? {
        var total: Int64 = 0
        for table in ["clip_files", "clip_embeddings", "clip_meta", "clip_migrations"] where try await exists(table) {
            total +=
                try await exec("SELECT pg_total_relation_size(to_regclass(\(names.qualified(table))))").first?.decode(
                    Int64.self) ?? 0
        }
        return total
    }

    // MARK: Files

    public func files(under root: String) async throws -> [String: IndexedFile] {
        let (condition, binds) = Self.under([root])
        let rows = try await exec(
            PostgresQuery(
                unsafeSQL: """
                    SELECT f.id, f.path, f.size, f.mtime, f.hash, f.error, e.file_id IS NOT NULL
                    FROM \(names.files) f LEFT JOIN \(names.embeddings) e ON e.file_id = f.id WHERE \(condition)
                    """, binds: binds))
        var files: [String: IndexedFile] = [:]
        for row in rows {
            let (id, path, size, mtime, hash, error, embedded) = try row.decode(
                (Int64, String, Int64, Double, String, String?, Bool).self)
            files[path] = IndexedFile(
                id: id, path: path, size: size, mtime: mtime, hash: hash, embedded: embedded, error: error)
        }
        return files
    }

    public func commit(embedded: [(IndexedFile, [Float])], other: [IndexedFile], removed: [Int64]) async throws {
        try await transaction { db in
            let (model, dimension) = try await self.boundModel(db)
            try checkDimensions(embedded, dimension, library: self.location)
            if !removed.isEmpty {
                try await self.exec("DELETE FROM \(unescaped: self.names.files) WHERE id = ANY(\(removed))")
            }
            for file in other {
                let id: Int64
                if let known = file.id {
                    // A move: the same record (and vector) under its new path (a record another indexer
                    // made there meanwhile gives way).
                    try await self.exec(
                        "DELETE FROM \(unescaped: self.names.files) WHERE path = \(file.path) AND id <> \(known)")
                    try await self.exec(
                        """
                        UPDATE \(unescaped: self.names.files) SET path = \(file.path), size = \(file.size), mtime = \
                        \(file.mtime), hash = \(file.hash), error = \(file.error)
                        WHERE id = \(known)
                        """)
                    id = known
                } else {
                    id = try await self.upsert(file, model: model, db)
                }
                if file.error != nil {
                    try await self.exec("DELETE FROM \(unescaped: self.names.embeddings) WHERE file_id = \(id)")
                }
            }
            for (file, vector) in embedded {
                var clean = file
                clean.error = nil
                let id = try await self.upsert(clean, model: model, db)
                try await self.exec(
                    """
                    INSERT INTO \(unescaped: self.names.embeddings) (file_id, embedding) VALUES (\(id), \
                    \(Self.literal(vector))::vector)
                    ON CONFLICT (file_id) DO UPDATE SET embedding = EXCLUDED.embedding
                    """)
            }
        }
    }

    private func upsert(_ file: IndexedFile, model: String, _ db: PostgresConnection) async throws -> Int64 {
        let rows = try await self.exec(
            """
            INSERT INTO \(unescaped: names.files) (path, size, mtime, hash, error, model) VALUES (\(file.path), \
            \(file.size), \(file.mtime), \(file.hash), \(file.error), \(model))
            ON CONFLICT (path) DO UPDATE SET size = EXCLUDED.size, mtime = EXCLUDED.mtime, hash = EXCLUDED.hash, error \
            = EXCLUDED.error, model = EXCLUDED.model
            RETURNING id
            """)
        return try rows[0].decode(Int64.self)
    }

    /// Under a shared schema lock (a rebind waits for this transaction, and this one for a rebind), the
    /// library's model, which must still be the one this client bound: vectors of two models never mix.
    private func boundModel(_ db: PostgresConnection) async throws -> (String, Int) {
        try await advisory("pg_advisory_xact_lock_shared", .schema)
        guard let (model, dimension) = try await storedModel().map({ ($0.id, $0.dimension) }) else {
            throw CLIPError.invalidArgument("the library \(location) is not bound to a model")
        }
        if let mine = boundLock.withLock({ boundModelID }), mine != model {
            throw CLIPError.io(
                file: location,
                reason:
                    """
                        another client re-bound the library to \(model) (this run embeds with \(mine)); run again to \
                        re-index with one model
                        """
            )
        }
        return (model, dimension)
    }

    /// Files with their vectors through `COPY` (3.5× the rows/s of INSERTs here) into a temporary table,
    /// then into the library's tables in one transaction.
    public func importFiles(_ embedded: [(IndexedFile, [Float])]) async throws {
        guard !embedded.isEmpty else { return }
        try await transaction { db in
            let (model, dimension) = try await self.boundModel(db)
            try checkDimensions(embedded, dimension, library: self.location)
            // In the session's own temporary schema (`pg_temp`, searched first): no other library sees it.
            try await self.exec(
                """
                    CREATE TEMPORARY TABLE pg_temp.clip_import (path text COLLATE \"C\", size bigint, mtime double \
                    precision, hash text, embedding text) ON COMMIT DROP
                    """
            )
            do {
                // (Unqualified: postgres-nio quotes the name whole, and pg_temp is searched before any other schema.)
                try await db.copyFrom(
                    table: "clip_import", columns: ["path", "size", "mtime", "hash", "embedding"], logger: self.logger
                ) { writer in
                    var buffer = ByteBuffer()
                    for (file, vector) in embedded {
                        // One COPY row: tab-separated fields, the vector as pgvector's text literal.
                        let fields = [
                            Self.copyText(file.path), "\(file.size)", "\(file.mtime)", Self.copyText(file.hash),
                            Self.literal(vector),
                        ]
                        buffer.writeString(fields.joined(separator: "\t") + "\n")
                        if buffer.readableBytes > 1 << 20 {
                            try await writer.write(buffer)
                            buffer.clear()
                        }
                    }
                    if buffer.readableBytes > 0 { try await writer.write(buffer) }
                }
            } catch {
                throw CLIPError.io(file: self.location, reason: Self.describe(error))
            }
            try await self.exec(
                """
                INSERT INTO \(unescaped: self.names.files) (path, size, mtime, hash, error, model) SELECT path, size, \
                mtime, hash, NULL, \(model) FROM pg_temp.clip_import
                ON CONFLICT (path) DO UPDATE SET size = EXCLUDED.size, mtime = EXCLUDED.mtime, hash = EXCLUDED.hash, \
                error = NULL, model = EXCLUDED.model
                """)
            try await self.exec(
                """
                INSERT INTO \(unescaped: self.names.embeddings) (file_id, embedding) SELECT f.id, i.embedding::vector \
                FROM pg_temp.clip_import i JOIN \(unescaped: self.names.files) f ON f.path = i.path
                ON CONFLICT (file_id) DO UPDATE SET embedding = EXCLUDED.embedding
                """)
        }
    }

    /// A value in COPY's text format: backslash, tab, newline and carriage return escaped.
    static func copyText(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\t", with: "\\t")
            .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r")
    }

    // MARK: Search

    public func nearest(_ query: [Float], k: Int, under roots: [String], mode: SearchMode) async throws -> [LibraryHit]
    {
        guard k > 0 else { return [] }
        // pgvector's ef_search is at most 1,000: deeper than that is a scan.
        let mode = k > 1000 ? .exact : mode
        let hits = try await search(query, k: k, under: roots, mode: mode)
        // HNSW filters after its scan: a folder filter can leave fewer than k. Then scan exactly.
        if mode != .exact, !roots.isEmpty, hits.count < k {
            return try await search(query, k: k, under: roots, mode: .exact)
        }
        return hits
    }

    private func search(_ query: [Float], k: Int, under roots: [String], mode: SearchMode) async throws -> [LibraryHit]
    {
        var (condition, binds) = roots.isEmpty ? ("TRUE", PostgresBindings()) : Self.under(roots)
        binds.append(Self.literal(query))
        let vector = "$\(binds.count)::vector"
        binds.append(mode.candidates(k))
        var sql = """
            SELECT f.id, f.path, (-(e.embedding <#> \(vector)))::real AS score FROM \(names.embeddings) e JOIN \
            \(names.files) f ON f.id = e.file_id
            WHERE \(condition) ORDER BY e.embedding <#> \(vector) LIMIT $\(binds.count)
            """
        let settings: String
        switch mode {
        case let .approximate(ef): settings = "SET LOCAL hnsw.ef_search = \(min(1000, max(k, ef ?? defaultEfSearch)))"
        case let .reranked(candidates, ef):
            settings = "SET LOCAL hnsw.ef_search = \(min(1000, max(k, candidates, ef ?? defaultEfSearch)))"
            // The index's candidates in its order, then in the exact order of their scores (computed from
            // the stored vectors).
            binds.append(k)
            sql = "SELECT id, path, score FROM (\(sql)) candidates ORDER BY score DESC, id LIMIT $\(binds.count)"
        case .exact: settings = "SET LOCAL enable_indexscan = off"
        }
        return try await transaction { db in
            try await self.exec(PostgresQuery(unsafeSQL: settings))
            return try await self.exec(PostgresQuery(unsafeSQL: sql, binds: binds)).map { row in
                let (id, path, score) = try row.decode((Int64, String, Float).self)
                return LibraryHit(id: id, path: path, score: score)
            }
        }
    }

    public func embeddings(under roots: [String]) async throws -> (files: [(id: Int64, path: String)], vectors: [Float])
    {
        let (condition, binds) = roots.isEmpty ? ("TRUE", PostgresBindings()) : Self.under(roots)
        let rows = try await exec(
            PostgresQuery(
                unsafeSQL: """
                    SELECT f.id, f.path, e.embedding::text FROM \(names.embeddings) e JOIN \(names.files) f ON f.id = \
                    e.file_id
                    WHERE \(condition) ORDER BY f.path
                    """, binds: binds))
        var files: [(id: Int64, path: String)] = [], vectors: [Float] = []
        for row in rows {
            let (id, path, text) = try row.decode((Int64, String, String).self)
            files.append((id, path))
            vectors += Self.vector(text)
        }
        return (files, vectors)
    }

    public func images(ids: [Int64]) async throws -> [Int64: LibraryImage] {
        guard !ids.isEmpty else { return [:] }
        var images: [Int64: LibraryImage] = [:]
        for row in try await exec(
            """
            SELECT f.id, f.path, f.hash, e.embedding::text FROM \(unescaped: names.files) f JOIN \
            \(unescaped: names.embeddings) e ON e.file_id = f.id WHERE f.id = ANY(\(ids))
            """)
        {
            let (id, path, hash, text) = try row.decode((Int64, String, String, String).self)
            images[id] = LibraryImage(id: id, path: path, hash: hash, vector: Self.vector(text))
        }
        return images
    }

    public func count(under roots: [String]) async throws -> Int {
        let (condition, binds) = roots.isEmpty ? ("TRUE", PostgresBindings()) : Self.under(roots)
        return try await exec(
            PostgresQuery(
                unsafeSQL: """
                    SELECT count(*) FROM \(names.embeddings) e JOIN \(names.files) f ON f.id = e.file_id WHERE \
                    \(condition)
                    """, binds: binds)
        ).first?.decode(Int.self) ?? 0
    }

    /// Computed by the server: only the scores travel, never the vectors.
    public func cosines(_ queries: [[Float]], under roots: [String]) async throws -> (
        files: [(id: Int64, path: String)], cosines: [Float]
    ) {
        var (condition, binds) = roots.isEmpty ? ("TRUE", PostgresBindings()) : Self.under(roots)
        var columns: [String] = []
        for query in queries {
            binds.append(Self.literal(query))
            columns.append("(-(e.embedding <#> $\(binds.count)::vector))::real")
        }
        let rows = try await exec(
            PostgresQuery(
                unsafeSQL: """
                    SELECT f.id, f.path, ARRAY[\(columns.joined(separator: ", "))] FROM \(names.embeddings) e JOIN \
                    \(names.files) f ON f.id = e.file_id
                    WHERE \(condition) ORDER BY f.path
                    """, binds: binds))
        var files: [(id: Int64, path: String)] = [], cosines: [Float] = []
        files.reserveCapacity(rows.count)
        cosines.reserveCapacity(rows.count * queries.count)
        for row in rows {
            let (id, path, scores) = try row.decode((Int64, String, [Float]).self)
            files.append((id, path))
            cosines += scores
        }
        return (files, cosines)
    }

    // MARK: Indexing

    /// pgvector builds an HNSW index several times faster than it maintains one insert by insert (and on
    /// two cores the inserts compete with the model). A load at least as large as the library (the first
    /// indexing of a folder, and at least 1,000 files) goes in without the index, which is then built
    /// again; searches meanwhile scan exactly. Re-created also when the load fails, and on the next
    /// `bind` should this client die midway.
    public func bulkInsert<T: Sendable>(rows: Int, _ body: @Sendable () async throws -> T) async throws -> T {
        guard rows >= 1000 else { return try await body() }
        let existing =
            try await exec("SELECT count(*) FROM \(unescaped: names.embeddings)").first?.decode(Int.self) ?? 0
        guard rows >= existing else { return try await body() }
        // The bulk lock tells other clients' binds not to rebuild the index under this load.
        try await advisory("pg_advisory_lock", .bulk)
        do {
            if try await exists(PostgresNames.hnswIndexName) {
                try await exec(PostgresQuery(unsafeSQL: "DROP INDEX IF EXISTS \(names.hnswIndex)"))
            }
            let value = try await body()
            try await createIndex()
            try await advisory("pg_advisory_unlock", .bulk)
            return value
        } catch {
            if !connection.isClosed {
                try? await createIndex()
                _ = try? await advisory("pg_advisory_unlock", .bulk)
            }
            throw error
        }
    }

    /// Whether the HNSW index is there (it is not during a bulk load: searches scan exactly meanwhile).
    public func hasApproximateIndex() async throws -> Bool {
        try await exec(
            """
                SELECT count(*) FROM pg_indexes WHERE indexname = \(PostgresNames.hnswIndexName) AND schemaname = \
                \(names.schema)
                """
        )
        .first?.decode(Int.self) == 1
    }

    /// The HNSW index, when missing; built with 1 GB of working memory (for this statement only), as a
    /// graph that does not fit is built far slower.
    func createIndex() async throws {
        try await transaction { _ in try await self.createIndexInTransaction() }
    }

    /// Whether a table or index of that name is in the library's schema (only there: an unqualified
    /// name would be looked up along the search path, in other schemas too).
    func exists(_ name: String) async throws -> Bool {
        try await exec("SELECT to_regclass(\(names.qualified(name))) IS NOT NULL").first?.decode(Bool.self) ?? false
    }

    func createIndexInTransaction() async throws {
        try await advisory("pg_advisory_xact_lock", .schema)  // one builder at a time
        guard try await !exists(PostgresNames.hnswIndexName) else { return }
        try await exec("SET LOCAL maintenance_work_mem = '1GB'")
        try await exec(
            PostgresQuery(
                unsafeSQL: """
                    CREATE INDEX IF NOT EXISTS \(PostgresNames.hnswIndexName) ON \(names.embeddings) USING hnsw \
                    (embedding vector_ip_ops)
                    WITH (m = \(Self.hnswM), ef_construction = \(Self.hnswEfConstruction))
                    """))
    }

    /// A session advisory lock per folder of this library: a second indexer of the same folder (any
    /// machine) waits, then plans against what the first one committed. An indexer of the same folder into
    /// another library (another schema) does not wait.
    public func indexing<T: Sendable>(_ root: String, _ body: @Sendable () async throws -> T) async throws -> T {
        try await advisory("pg_advisory_lock", .folder(root))
        do {
            let value = try await body()
            try await advisory("pg_advisory_unlock", .folder(root))
            return value
        } catch {
            _ = try? await advisory("pg_advisory_unlock", .folder(root))
            throw error
        }
    }

    // MARK: SQL helpers

    /// `[x,y,…]`, pgvector's text form, with each float's shortest round-tripping decimal.
    static func literal(_ vector: [Float]) -> String {
        "[" + vector.map { $0.isFinite ? $0.description : "0" }.joined(separator: ",") + "]"
    }

    /// The floats of pgvector's text form.
    static func vector(_ text: String) -> [Float] {
        text.dropFirst().dropLast().split(separator: ",").map { Float($0) ?? 0 }
    }

    /// "`path` is one of the roots or under one" over the path column's byte order (it is `COLLATE "C"`).
    static func under(_ roots: [String]) -> (String, PostgresBindings) {
        var binds = PostgresBindings(), parts: [String] = []
        for root in roots {
            let folder = root.hasSuffix("/") ? String(root.dropLast()) : root
            binds.append(folder)
            binds.append(folder + "/")
            binds.append(folder + "0")  // "0" follows "/": above every path under the folder
            let n = binds.count
            parts.append("(f.path = $\(n - 2) OR (f.path >= $\(n - 1) AND f.path < $\(n)))")
        }
        return ("(" + parts.joined(separator: " OR ") + ")", binds)
    }
}
