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
        guard let url = URLComponents(string: text), let scheme = url.scheme,
            ["postgres", "postgresql"].contains(scheme.lowercased())
        else {
            throw CLIPError.invalidArgument("--store: '\(text)' is not a postgres://user@host:port/database URL")
        }
        guard let host = url.host, !host.isEmpty else {
            throw CLIPError.invalidArgument("--store: the URL names no host")
        }
        guard let user = url.user, !user.isEmpty else {
            throw CLIPError.invalidArgument("--store: the URL names no user (postgres://USER@host/db)")
        }
        let database = String(url.path.drop { $0 == "/" })
        guard !database.isEmpty else {
            throw CLIPError.invalidArgument("--store: the URL names no database (postgres://user@host/DATABASE)")
        }
        self.user = user  // (URLComponents has decoded %-escapes already)
        password = url.password ?? environment["PGPASSWORD"]
        self.host = host
        port = url.port ?? 5432
        self.database = database
        schema = try Self.checkedSchema(url.queryItems ?? [])
    }

    /// The `schema` parameter, checked: it names where this library's tables live, so a parameter that
    /// is misspelt, given twice or left empty would silently put the library somewhere else (in public:
    /// the default library, whose model a bind would replace). Nothing else is accepted: this client
    /// does not do what libpq's other parameters ask (`sslmode`: it connects without TLS).
    static func checkedSchema(_ items: [URLQueryItem]) throws -> String? {
        var schema: String?
        for item in items {
            guard item.name == "schema" else {
                throw CLIPError.invalidArgument(
                    "--store: the URL's parameter '\(item.name)' is not supported (the one parameter is schema=NAME)")
            }
            guard schema == nil else {
                throw CLIPError.invalidArgument("--store: the URL gives the schema parameter twice")
            }
            guard let value = item.value, !value.isEmpty else {
                throw CLIPError.invalidArgument(
                    """
                        --store: the URL's schema parameter is empty (schema=NAME, or leave it out for the default \
                        library)
                        """
                )
            }
            // A name that needs no quoting and means the same quoted or not (PostgreSQL folds unquoted
            // names to lower case), at most 63 bytes, and not a schema PostgreSQL or pgvector owns.
            guard value.range(of: "^[a-z_][a-z0-9_]{0,62}$", options: .regularExpression) != nil,
                value != "public", value != "information_schema", !value.hasPrefix("pg_")
            else {
                throw CLIPError.invalidArgument(
                    """
                        --store: the URL's schema parameter '\(value)' must be 1–63 lower-case letters, digits and _ \
                        (not starting with a digit), and not public, information_schema or pg_…
                        """
                )
            }
            schema = value
        }
        return schema
    }

    var redacted: String { "postgres://\(user)@\(host):\(port)/\(database)" + (schema.map { "?schema=\($0)" } ?? "") }
}
