import CLIP
import Foundation

/// `postgres://user[:password]@host[:port]/database` (also `postgresql://`); the password may come from
/// `PGPASSWORD` instead. `redacted` is how messages name the server: never with the password.
struct PostgresURL: Sendable, Equatable {
    var user: String
    var password: String?
    var host: String
    var port: Int
    var database: String
    /// `?schema=NAME`: the library's tables live in that schema (several libraries in one database).
    var schema: String?

    init(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard let url = URLComponents(string: text), let scheme = url.scheme, ["postgres", "postgresql"].contains(scheme.lowercased()) else {
            throw CLIPError.invalidArgument("--store: '\(text)' is not a postgres://user@host:port/database URL")
        }
        guard let host = url.host, !host.isEmpty else { throw CLIPError.invalidArgument("--store: the URL names no host") }
        guard let user = url.user, !user.isEmpty else { throw CLIPError.invalidArgument("--store: the URL names no user (postgres://USER@host/db)") }
        let database = String(url.path.drop { $0 == "/" })
        guard !database.isEmpty else { throw CLIPError.invalidArgument("--store: the URL names no database (postgres://user@host/DATABASE)") }
        self.user = user  // (URLComponents has decoded %-escapes already)
        password = url.password ?? environment["PGPASSWORD"]
        self.host = host
        port = url.port ?? 5432
        self.database = database
        schema = url.queryItems?.first { $0.name == "schema" }?.value
        if let schema, schema.range(of: "^[a-z_][a-z0-9_]{0,62}$", options: .regularExpression) == nil || schema == "public" || schema.hasPrefix("pg_") {
            throw CLIPError.invalidArgument("--store: schema '\(schema)' must be lower-case letters, digits and _ (not starting with a digit), and not public or pg_…")
        }
    }

    var redacted: String { "postgres://\(user)@\(host):\(port)/\(database)" + (schema.map { "?schema=\($0)" } ?? "") }
}
