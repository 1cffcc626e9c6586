import Foundation
import Hummingbird

/// `Authorization: Bearer KEY` against the configured keys, compared in constant time. Liveness and readiness
/// probes stay open so orchestrators need no key, and so does the search page (it asks for the key, then sends it).
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    let keys: [[UInt8]]
    static var openPaths: Set<String> { ["/healthz", "/ping", "/readyz"] }

    init(keys: [String]) { self.keys = keys.map { Array($0.utf8) } }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        if Self.openPaths.contains(request.uri.path) || PageController<Context>.isOpen(request.uri.path) {
            return try await next(request, context)
        }
        let header = request.headers[.authorization] ?? ""
        guard let token = Self.bearerToken(header), Self.matches(Array(token.utf8), keys) else {
            throw APIError(
                .unauthorized,
                header.isEmpty ? "missing API key: send Authorization: Bearer <key>" : "incorrect API key",
                param: nil, code: "invalid_api_key")
        }
        return try await next(request, context)
    }

    /// The credentials of `Bearer <token>`, the scheme matched without regard to case (RFC 7235 §2.1), one or
    /// more spaces after it; nil for another scheme.
    static func bearerToken(_ header: String) -> Substring? {
        guard let space = header.firstIndex(of: " "), header[..<space].lowercased() == "bearer" else { return nil }
        let token = header[space...].drop { $0 == " " }
        return token.isEmpty ? nil : token
    }

    /// Constant time in the key's content: every byte of every configured key is compared.
    static func matches(_ candidate: [UInt8], _ keys: [[UInt8]]) -> Bool {
        var found = false
        for key in keys {
            var difference = UInt8(key.count == candidate.count ? 0 : 1)
            for i in 0..<key.count { difference |= key[i] ^ (i < candidate.count ? candidate[i] : 0) }
            found = found || difference == 0
        }
        return found
    }
}
