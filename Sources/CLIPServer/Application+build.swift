import CLIP
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import ServiceLifecycle

/// How `clip serve` listens and guards its routes.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Bearer keys; empty means no authentication (only allowed on loopback unless `allowNoAuth`).
    public var apiKeys: [String]
    public var allowNoAuth: Bool
    /// Largest request body in bytes (413 beyond).
    public var maxBody: Int
    /// The one browser origin allowed to call the API (CORS); nil: no CORS headers at all.
    public var corsOrigin: String?
    /// Seconds a connection may send nothing before it is closed: before its first request, between
    /// requests (keep-alive), and in the middle of a request line, headers or body (nginx's header, body and
    /// keep-alive timeouts, as one). A request being answered is never cut.
    public var idleTimeout: Double
    /// Open connections at most; past it new ones wait in the listen backlog until one closes.
    public var maxConnections: Int
    /// Seconds SIGTERM waits for the requests in flight before it cancels them and exits.
    public var shutdownGrace: Double
    /// One log line per request (method, path, status) at `info`; off by default: a page in use makes
    /// hundreds of requests a minute, and the errors and warnings are what an operator reads.
    public var accessLog: Bool
    /// The server's log threshold (stderr).
    public var logLevel: Logger.Level
    /// An Immich ML server for the `/predict` tasks SwiftCLIP does not run (facial recognition, OCR).
    public var immichFallback: ImmichFallback?

    public init(
        host: String = "127.0.0.1", port: Int = 8080, apiKeys: [String] = [], allowNoAuth: Bool = false,
        maxBody: Int = 20 << 20, corsOrigin: String? = nil, idleTimeout: Double = 30, maxConnections: Int = 1000,
        shutdownGrace: Double = 10, accessLog: Bool = false, logLevel: Logger.Level = .info,
        immichFallback: ImmichFallback? = nil
    ) {
        self.host = host
        self.port = port
        self.apiKeys = apiKeys
        self.allowNoAuth = allowNoAuth
        self.maxBody = maxBody
        self.corsOrigin = corsOrigin
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
        self.shutdownGrace = shutdownGrace
        self.accessLog = accessLog
        self.logLevel = logLevel
        self.immichFallback = immichFallback
    }

    /// Refuses a non-loopback address without keys or an explicit `--no-auth`.
    public var isLoopback: Bool { host == "localhost" || host == "::1" || host.hasPrefix("127.") }

    public func validate() throws {
        guard idleTimeout.isFinite, idleTimeout > 0, idleTimeout <= 86_400 else {
            throw CLIPError.invalidArgument(
                "the idle timeout must be more than 0 and at most 86400 seconds, not \(idleTimeout)")
        }
        guard shutdownGrace.isFinite, shutdownGrace >= 0, shutdownGrace <= 3_600 else {
            throw CLIPError.invalidArgument("the shutdown grace must be 0…3600 seconds, not \(shutdownGrace)")
        }
        guard maxConnections >= 1 else {
            throw CLIPError.invalidArgument("at least one connection must be allowed, not \(maxConnections)")
        }
        guard maxBody >= 1 else {
            throw CLIPError.invalidArgument("the body limit must be at least 1 byte, not \(maxBody)")
        }
        if !isLoopback && apiKeys.isEmpty && !allowNoAuth {
            throw CLIPError.invalidArgument(
                """
                    binding \(host) exposes the server beyond this machine: pass --api-key-file FILE (one key per \
                    line), or --no-auth to serve without keys
                    """
            )
        }
    }
}

/// The routes of `clip serve` over one served model and, optionally, a photo library. Tests run this same
/// router in memory.
public func buildRouter(
    _ served: ServedModel, library: ServedLibrary? = nil, configuration: ServerConfiguration,
    metrics: ServerMetrics = ServerMetrics(), registry: ModelRegistry? = nil
) -> Router<BasicRequestContext> {
    // HEAD is answered wherever GET is (the headers of the GET, no body).
    let base = Router(options: .autoGenerateHeadEndpoints)
    let router = RecordingRouter(router: base, methods: RouteMethods())
    metrics.observe(served)
    // Outermost first: the access log (swift-log) and the metrics see the final status of every request.
    if configuration.accessLog { router.add(middleware: LogRequestsMiddleware(.info)) }
    router.add(middleware: MetricsMiddleware(metrics: metrics))
    // Before the key check: a browser's preflight carries no Authorization header.
    if let origin = configuration.corsOrigin { router.add(middleware: CORSMiddleware(allowOrigin: .custom(origin))) }
    router.add(middleware: ErrorMiddleware())
    if configuration.isLoopback && configuration.apiKeys.isEmpty { router.add(middleware: LoopbackHostMiddleware()) }
    if !configuration.apiKeys.isEmpty { router.add(middleware: APIKeyMiddleware(keys: configuration.apiKeys)) }
    router.add(middleware: MethodNotAllowedMiddleware(methods: router.methods))
    router.get("healthz") { _, _ in "ok" }
    router.get("ping") { _, _ in "pong" }
    // Both towers are loaded before the application is built, so a running server is a ready one.
    // It also tells the search page whether to ask for a key and whether there is a library to search.
    router.get("readyz") { _, _ in
        JSONResponse.make([
            "ready": true, "model": served.name, "auth": !configuration.apiKeys.isEmpty, "library": library != nil
        ])
    }
    router.get("metrics") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
            body: .init(byteBuffer: ByteBuffer(string: metrics.render(served))))
    }
    EmbeddingsController<BasicRequestContext>(served: served, maxBody: configuration.maxBody).addRoutes(to: router)
    PredictController<BasicRequestContext>(
        served: served, maxBody: configuration.maxBody, fallback: configuration.immichFallback, registry: registry
    ).addRoutes(to: router)
    LibraryController<BasicRequestContext>(served: served, library: library, maxBody: configuration.maxBody).addRoutes(
        to: router)
    PageController<BasicRequestContext>().addRoutes(to: router)
    return base
}

/// The application `clip serve` runs. `onListening` gets the bound port (port 0 picks a free one).
public func buildApplication(
    _ served: ServedModel, library: ServedLibrary? = nil, configuration: ServerConfiguration,
    metrics: ServerMetrics = ServerMetrics(), registry: ModelRegistry? = nil,
    onListening: @escaping @Sendable (Int) -> Void = { _ in }
) throws -> some ApplicationProtocol {
    try configuration.validate()
    return Application(
        router: buildRouter(
            served, library: library, configuration: configuration, metrics: metrics, registry: registry),
        server: .http1(configuration: .init(idleTimeout: .milliseconds(Int64(configuration.idleTimeout * 1000)))),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: "swiftclip",
            availableConnectionsDelegate: MaximumAvailableConnections(configuration.maxConnections)),
        onServerRunning: { channel in onListening(channel.localAddress?.port ?? configuration.port) },
        logger: {
            var logger = Logger(label: "clip-serve")
            logger.logLevel = configuration.logLevel
            return logger
        }())
}

/// Runs `app` until SIGTERM or SIGINT, then lets the requests in flight finish for at most `grace` seconds
/// before cancelling them: shutdown ends in bounded time whatever the clients do (one holding a half-sent
/// body kept the server alive for as long as it stayed).
///
/// Cancelling is not always enough: decoding or tokenizing that runs on Dispatch's threads does not look at
/// cancellation. So a watchdog ends the process 5 s after the grace if it is still running then.
public func runUntilSignalled(_ app: some ApplicationProtocol, grace: Double) async throws {
    var group = ServiceGroupConfiguration(
        services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: app.logger)
    group.maximumGracefulShutdownDuration = .milliseconds(Int64(grace * 1000))
    let watchdog = ShutdownWatchdog(after: grace + 5, logger: app.logger)
    defer { watchdog.disarm() }
    try await ServiceGroup(configuration: group).run()
}
