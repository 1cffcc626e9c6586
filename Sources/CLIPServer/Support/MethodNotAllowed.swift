import Foundation
import Hummingbird

/// The methods each route path answers, recorded as the routes are added, so a request with another method
/// gets 405 and an `Allow` header (RFC 9110 §15.5.6) instead of the router's 404, which says the path does
/// not exist.
/// Written while the router is built, read by requests afterwards; the lock makes that safe.
final class RouteMethods: @unchecked Sendable {
    private let lock = NSLock()
    private var routes: [(pattern: [Substring], method: HTTPRequest.Method)] = []

    func record(_ path: String, _ method: HTTPRequest.Method) {
        lock.withLock { routes.append((Self.components(path), method)) }
    }

    /// The methods routed for `path` (HEAD wherever GET is: the router answers it), sorted; empty when no
    /// route has that path.
    func methods(for path: String) -> [String] {
        let parts = Self.components(path)
        var found = Set<String>()
        for route in lock.withLock({ routes }) where Self.matches(route.pattern, parts) {
            found.insert(route.method.rawValue)
            if route.method == .get { found.insert(HTTPRequest.Method.head.rawValue) }
        }
        return found.sorted()
    }

    private static func components(_ path: String) -> [Substring] { path.split(separator: "/") }

    /// A captured component (`{id}`, as `RouterPath` describes `:id`) or `*` matches any one component; the
    /// rest match exactly. (This server's routes use no other pattern.)
    private static func matches(_ pattern: [Substring], _ parts: [Substring]) -> Bool {
        pattern.count == parts.count
            && zip(pattern, parts).allSatisfy { $0.hasPrefix("{") || $0.hasPrefix(":") || $0 == "*" || $0 == $1 }
    }
}

/// A router that records each route's method in a `RouteMethods` as it adds it.
struct RecordingRouter<Context: RequestContext>: RouterMethods {
    let router: Router<Context>
    let methods: RouteMethods

    @discardableResult func on<Responder: HTTPResponder>(
        _ path: RouterPath, method: HTTPRequest.Method, responder: Responder
    ) -> Self
    where Responder.Context == Context {
        methods.record(path.description, method)
        router.on(path, method: method, responder: responder)
        return self
    }

    @discardableResult func add(middleware: any MiddlewareProtocol<Request, Response, Context>) -> Self {
        router.add(middleware: middleware)
        return self
    }
}

/// Turns the router's 404 for a path that exists under other methods into 405 with `Allow`.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    let methods: RouteMethods

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let allowed = methods.methods(for: request.uri.path)
            guard !allowed.isEmpty, !allowed.contains(request.method.rawValue) else { throw error }
            var refusal = APIError(
                .methodNotAllowed,
                """
                    \(request.method.rawValue) is not allowed on \(request.uri.path); it answers \
                    \(allowed.joined(separator: ", "))
                    """,
                param: nil, code: "method_not_allowed")
            refusal.allow = allowed.joined(separator: ", ")
            throw refusal
        }
    }
}
