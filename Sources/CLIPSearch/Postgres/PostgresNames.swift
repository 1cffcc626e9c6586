import PostgresNIO

/// The names a library's SQL uses, every one qualified with the library's schema, and its advisory-lock
/// keys. Several libraries share a database (`?schema=`), so nothing may be found through the session's
/// `search_path`: an unqualified `clip_files` from a library in `other` would find `public.clip_files`
/// (and the first library's files, model and migrations) whenever `other` lacks one.
struct PostgresNames: Sendable, Equatable {
    /// The schema, unquoted: `public` for the default library, else the URL's `schema` (validated there).
    let schema: String

    init(schema: String?) { self.schema = schema ?? "public" }

    /// `"name"`: quoted, so the name is taken as written (never case-folded), with `"` doubled.
    static func quote(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    var quotedSchema: String { Self.quote(schema) }

    /// `"schema"."table"`: a table or index of this library.
    func qualified(_ name: String) -> String { quotedSchema + "." + Self.quote(name) }

    var files: String { qualified("clip_files") }
    var embeddings: String { qualified("clip_embeddings") }
    var meta: String { qualified("clip_meta") }
    var migrations: String { qualified("clip_migrations") }
    var hnswIndex: String { qualified(Self.hnswIndexName) }
    static let hnswIndexName = "clip_embeddings_hnsw"

    /// The table name for postgres-nio's `copyFrom(table:)`, which writes `COPY "<table>"`: this gives
    /// `"schema"."table"` (the schema is validated to `[a-z0-9_]`, so it holds no quote to escape).
    func copyTarget(_ table: String) -> String { schema + "\".\"" + table }

    // MARK: Advisory locks

    /// What an advisory lock serialises, per library: two libraries in two schemas of one database never
    /// wait for each other.
    enum Lock: Sendable {
        /// Schema changes: migrations, binding a model, building the HNSW index.
        case schema
        /// Held (session-wide) by a client loading in bulk without the HNSW index.
        case bulk
        /// Indexing one folder.
        case folder(String)
    }

    /// The lock's key as an SQL expression over `binds`. Advisory locks are database-wide, so the key
    /// names the schema: a 64-bit hash (`hashtextextended`, computed by the one server every client
    /// shares) of `swiftclip:<schema>:<what>`. The default library keeps the keys it always had, so a
    /// client of an earlier version still excludes this one there.
    func key(_ lock: Lock, _ binds: inout PostgresBindings) -> String {
        if schema == "public" {
            switch lock {
            case .schema: return "\(PostgresStore.schemaLock)"
            case .bulk: return "\(PostgresStore.bulkLock)"
            case let .folder(root):
                binds.append("clip-index:" + root)
                return "hashtext($\(binds.count))"
            }
        }
        switch lock {
        case .schema: binds.append("swiftclip:\(schema):schema")
        case .bulk: binds.append("swiftclip:\(schema):bulk")
        case let .folder(root): binds.append("swiftclip:\(schema):index:" + root)
        }
        return "hashtextextended($\(binds.count), 0)"
    }
}
