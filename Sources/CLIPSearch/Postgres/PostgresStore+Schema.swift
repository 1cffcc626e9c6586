import CLIP
import Foundation
import PostgresNIO

extension PostgresStore {
    /// The default library's advisory-lock key that serialises schema changes (migrations, binding a
    /// model) across clients; a library in a schema of its own has its own (`PostgresNames.key`).
    static let schemaLock: Int64 = 0x5377_6966_7443_4C50
    /// The default library's key held (session-wide) by a client loading in bulk without the HNSW index.
    static let bulkLock: Int64 = 0x5377_6966_7443_4C51

    /// The schema's versions, applied in order on connect, each once (recorded in the schema's
    /// `clip_migrations`). `clip_embeddings` is made when a model is bound: its column's dimension is
    /// the model's. Every name is the schema's (the extension is the database's: in public).
    static func migrations(_ names: PostgresNames) -> [(version: Int, statements: [String])] {
        [
            (
                1,
                [
                    "CREATE EXTENSION IF NOT EXISTS vector SCHEMA public",
                    "CREATE TABLE \(names.meta) (key text PRIMARY KEY, value text NOT NULL)",
                    """
                    CREATE TABLE \(names.files) (
                        id bigserial PRIMARY KEY,
                        path text COLLATE "C" NOT NULL UNIQUE,
                        size bigint NOT NULL,
                        mtime double precision NOT NULL,
                        hash text NOT NULL,
                        error text,
                        model text)
                    """,
                    "CREATE INDEX clip_files_hash ON \(names.files) (hash)"
                ]
            )
        ]
    }

    /// Drops the library's schema (`?schema=` in the URL) with everything in it: for tests, and for
    /// removing one library of several in a database.
    public func dropSchema() async throws {
        guard url.schema != nil else {
            throw CLIPError.invalidArgument("the library \(location) has no schema of its own to drop")
        }
        try await exec(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(names.quotedSchema) CASCADE"))
    }

    /// Creates the library's schema when missing (`?schema=`; public is always there), under the
    /// library's lock: two first connections at once would both try to create it.
    func createSchema() async throws {
        guard url.schema != nil else { return }
        try await transaction { db in
            try await self.advisory("pg_advisory_xact_lock", .schema)
            let present =
                try await self.exec("SELECT count(*) FROM pg_namespace WHERE nspname = \(self.names.schema)").first?
                .decode(Int.self) ?? 0
            if present == 0 {
                try await self.exec(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(self.names.quotedSchema)"))
            }
        }
    }

    func migrate() async throws {
        try await transaction { db in
            try await self.advisory("pg_advisory_xact_lock", .schema)
            // DDL only when something is missing: `IF NOT EXISTS` still needs rights a shared role may lack.
            if try await !self.exists("clip_migrations") {
                try await self.exec(
                    PostgresQuery(
                        unsafeSQL:
                            """
                                CREATE TABLE \(self.names.migrations) (version integer PRIMARY KEY, applied \
                                timestamptz NOT NULL DEFAULT now())
                                """
                    ))
            }
            var applied = Set<Int>()
            for row in try await self.exec(PostgresQuery(unsafeSQL: "SELECT version FROM \(self.names.migrations)")) {
                applied.insert(try row.decode(Int.self))
            }
            for migration in Self.migrations(self.names) where !applied.contains(migration.version) {
                for statement in migration.statements { try await self.exec(PostgresQuery(unsafeSQL: statement)) }
                try await self.exec(
                    "INSERT INTO \(unescaped: self.names.migrations) (version) VALUES (\(migration.version))")
            }
            // A database made before pgvector was installed, or by someone else: say so here, not mid-index.
            let vector = try await self.exec(
                """
                    SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname \
                    = 'vector'
                    """
            )
            guard let extensionSchema = try vector.first?.decode(String.self) else {
                throw CLIPError.io(
                    file: location,
                    reason: "the database has no pgvector extension: run CREATE EXTENSION vector; in it as a superuser")
            }
            // Every table is named with its schema; the path is only where pgvector's type and operators
            // are found (wherever it was installed), for this session.
            try await self.exec(PostgresQuery(unsafeSQL: "SET search_path TO \(PostgresNames.quote(extensionSchema))"))
        }
    }

    /// `SELECT function(key)` for the library's advisory lock `lock` (`pg_advisory_lock`,
    /// `pg_try_advisory_xact_lock`, …).
    @discardableResult
    func advisory(_ function: String, _ lock: PostgresNames.Lock) async throws -> [PostgresRow] {
        var binds = PostgresBindings()
        let key = names.key(lock, &binds)
        return try await exec(PostgresQuery(unsafeSQL: "SELECT \(function)(\(key))", binds: binds))
    }

    /// One line for a driver error: the server's own message and what to do about the common ones.
    static func describe(_ error: Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        switch error.code {
        case .server:
            let state = error.serverInfo?[.sqlState] ?? "?"
            let message = error.serverInfo?[.message] ?? "server error"
            let advice: String
            switch state {
            case "28P01": advice = ": check the user and password in --store (or PGPASSWORD)"
            case "3D000": advice = ": create the database, or name another in --store"
            case "42501" where message.contains("extension"):
                advice = ": a superuser must run CREATE EXTENSION vector; once in this database"
            case "58P01" where message.contains("vector"), "0A000" where message.contains("vector"):
                advice = ": install pgvector on the server (https://github.com/pgvector/pgvector)"
            case "28000" where message.contains("pg_hba"):
                advice = ": the server refuses this client (pg_hba.conf); this build connects without TLS"
            case "57P01", "57P02", "57P03":
                advice = ": the server is shutting down or starting; run again when it is up"
            default: advice = ""
            }
            return "\(message) (SQLSTATE \(state))\(advice)"
        case .connectionError:
            let reason = error.underlying.map { "\($0)" } ?? ""
            if reason.contains("Connection refused") {
                return "cannot connect: connection refused (is PostgreSQL running and listening on that port?)"
            }
            if reason.contains("timed out") || reason.contains("connectTimeout") {
                return "cannot connect: timed out (is the host reachable?)"
            }
            if reason.lowercased().contains("resolve") || reason.contains("not known") {
                return "cannot connect: the host name does not resolve"
            }
            return "cannot connect: \(reason.isEmpty ? "no reason given" : reason)"
        case .serverClosedConnection, .clientClosedConnection, .uncleanShutdown:
            return
                """
                    the connection to the server was lost (did the server stop?); run again when it is back: finished \
                    batches are kept
                    """
        case .authMechanismRequiresPassword:
            return "the server wants a password: put it in --store (postgres://user:password@…) or PGPASSWORD"
        default:
            return "\(error.code)"
        }
    }
}

extension PostgresStore {
    /// A connection for a long-running reader of `model`'s vectors (a `clip serve` pool): refused, with
    /// what to do, when another client has re-bound the library to another model meanwhile.
    public static func connect(_ url: String, holding model: String) async throws -> PostgresStore {
        let library = try await connect(url)
        do {
            let stored = try await library.storedModel()
            guard stored?.id == model else {
                throw CLIPError.io(
                    file: library.location,
                    reason:
                        """
                            the library now holds \(stored?.id ?? "no model")'s vectors, not \(model)'s: restart the \
                            server with that model, or re-index
                            """
                )
            }
        } catch {
            await library.close()
            throw error
        }
        return library
    }
}
