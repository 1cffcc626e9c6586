import Hummingbird

/// On loopback without API keys, answers only requests addressed to a loopback name: a web page elsewhere
/// could otherwise point its own domain at 127.0.0.1 (DNS rebinding) and read the photo library through
/// the visitor's browser. Clients that send no Host at all are not browsers, and pass.
struct LoopbackHostMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        if let authority = request.head.authority, !Self.isLoopback(authority) {
            throw APIError(
                .forbidden,
                """
                    this server listens on loopback without API keys, so it answers only requests addressed to \
                    localhost, not '\(authority)'; serve with --api-key-file to be reached under other names
                    """,
                param: nil, code: "host_not_allowed")
        }
        return try await next(request, context)
    }

    /// `localhost`, `127.x.x.x` or `[::1]`, with or without a port.
    static func isLoopback(_ authority: String) -> Bool {
        var host = Substring(authority.lowercased())
        if host.hasPrefix("[") {
            host = host.dropFirst().prefix { $0 != "]" }
        } else if let colon = host.lastIndex(of: ":") {
            host = host[..<colon]
        }
        return host == "localhost" || host == "::1"
            || (host.hasPrefix("127.") && host.split(separator: ".").count == 4
                && host.split(separator: ".").allSatisfy { UInt8($0) != nil })
    }
}
