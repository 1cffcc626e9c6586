import ArgumentParser
import CLIP
import CLIPSearch
import CLIPServer
import Foundation
import Hummingbird
import Logging

/// `clip serve`: the model over HTTP (OpenAI-compatible embeddings, Immich's /predict) and, with
/// `--library`, the photo library (search, classify, rank, images, thumbnails); both towers loaded before it
/// listens.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract:
            """
                Serve embeddings over HTTP: OpenAI-compatible /v1/embeddings (texts and images), Immich's /predict, \
                /v1/models, /healthz, /readyz, /metrics; with --library, photo search (/v1/search, /v1/classify, \
                /v1/rank, /v1/images, /v1/thumbnails).
                """
    )

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var runtime: RuntimeOptions

    @Option(
        name: .long,
        help:
            """
                Photo library to serve (/v1/search …); default: none. `clip index --library DIR FOLDER` fills one, or \
                --index.
                """
    )
    var library: String?
    @Option(
        name: .long,
        help:
            """
                Serve the photo library in PostgreSQL + pgvector instead: \
                postgres://user[:password]@host[:port]/database (default: $CLIP_DATABASE_URL when --library is not \
                given).
                """
    )
    var store: String?
    @Option(name: .long, help: "Connections to --store that requests share.")
    var storeConnections = 4
    @Option(
        name: .long,
        help:
            """
                Where thumbnails of a --store library are cached (default: $XDG_CACHE_HOME/swiftclip/thumbnails, else \
                ~/.cache/swiftclip/thumbnails).
                """
    )
    var thumbnails: String?
    @Option(
        name: .long,
        help: "A folder to index into the library in the background at start (and on POST /v1/index); repeatable.")
    var index: [String] = []
    @Option(name: .long, help: "Skip files and folders matching this glob when indexing; repeatable.")
    var exclude: [String] = []
    @Flag(
        name: .long,
        help:
            """
                With --index: re-index the library with --model when it was built with another model (every file is \
                embedded again). Without it, another model is refused; without --model, the library's own model is \
                served.
                """
    )
    var reindex = false
    @Option(
        name: .long, help: "Address to listen on (loopback by default; any other needs --api-key-file or --no-auth).")
    var host = "127.0.0.1"
    @Option(name: .long, help: "Port to listen on (0: any free port, printed when listening).")
    var port = 8080
    @Option(name: .long, help: "A file of API keys, one per line; clients send 'Authorization: Bearer KEY'.")
    var apiKeyFile: String?
    @Flag(name: .long, help: "Serve a non-loopback address without keys.")
    var noAuth = false
    @Option(name: .long, help: "Name clients use in 'model' (default: the --model value).")
    var servedName: String?
    @Option(name: .long, help: "Most inputs merged into one forward pass.")
    var maxBatch = 32
    @Option(
        name: .long,
        help: "Milliseconds a request waits for others to batch with, both towers (default: 2 text, 5 image).")
    var maxDelayMs: Double?
    @Option(name: .long, help: "Milliseconds a text request waits for others to batch with.")
    var maxDelayTextMs = 2.0
    @Option(name: .long, help: "Milliseconds an image request waits for others to batch with.")
    var maxDelayImageMs = 5.0
    @Option(name: .long, help: "Seconds a request may wait for its forward pass before it is answered 504.")
    var timeout = 30.0
    @Option(name: .long, help: "Largest request body (413 beyond): 20MiB, 512KiB, 1GiB; a bare number is MiB.")
    var maxBody = "20MiB"
    @Option(
        name: .long,
        help: "The browser origin allowed to call the API (CORS), e.g. https://photos.example; off by default.")
    var corsOrigin: String?
    @Option(
        name: .long,
        help:
            """
                Seconds a connection may send nothing before it is closed: idle between requests, or stalled in a \
                request line, headers or body.
                """
    )
    var idleTimeout = 30.0
    @Option(name: .long, help: "Open connections at most; more wait in the listen backlog.")
    var maxConnections = 1000
    @Option(name: .long, help: "Seconds SIGTERM waits for requests in flight before cancelling them and exiting.")
    var shutdownGrace = 10.0
    @Option(name: .long, help: "Log threshold: trace, debug, info, notice, warning, error or critical.")
    var logLevel: LogLevel = .info
    @Flag(name: .long, help: "Log every request (method, path, status, at info).")
    var accessLog = false
    @Option(
        name: .long,
        help:
            """
                An Immich ML server (e.g. http://immich-machine-learning:3003) that answers the /predict tasks \
                clip serve does not run: facial recognition and OCR. Without it those are refused with 501.
                """
    )
    var immichFallback: String?
    @Option(
        name: .long,
        help:
            """
                Other models /predict may load on first use, comma-separated: Immich or known names \
                (ViT-B-32__laion2b-s34b-b79k), hub ids or folders. Requests wait while one loads.
                """
    )
    var models: String?
    @Option(
        name: .long,
        help: "Seconds a --models model stays loaded unused (0: until exit); 300 as Immich ML's MODEL_TTL.")
    var modelTtl = 300.0
    @Option(name: .long, help: "Models of --models to load at start, comma-separated.")
    var preload: String?

    /// `--models` and `--preload` as lists.
    static func list(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// swift-log's levels, by the names they print with.
    enum LogLevel: String, ExpressibleByArgument, CaseIterable {
        case trace, debug, info, notice, warning, error, critical
        var level: Logger.Level { Logger.Level(rawValue: rawValue)! }
    }

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535, not \(port)") }
        guard maxBatch >= 1 else { throw ValidationError("--max-batch must be at least 1") }
        guard maxDelayTextMs >= 0, maxDelayImageMs >= 0, (maxDelayMs ?? 0) >= 0 else {
            throw ValidationError("--max-delay-*ms must not be negative")
        }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
        guard idleTimeout > 0, idleTimeout <= 86_400 else {
            throw ValidationError("--idle-timeout must be more than 0 and at most 86400 seconds")
        }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1") }
        guard shutdownGrace >= 0, shutdownGrace <= 3_600 else {
            throw ValidationError("--shutdown-grace must be 0…3600 seconds")
        }
        guard Self.bytes(maxBody) != nil else {
            throw ValidationError(
                "--max-body: '\(maxBody)' is not a size such as 20MiB, 512KiB or 1GiB (at least 1KiB)")
        }
        guard library == nil || store == nil else {
            throw ValidationError("give --library DIR or --store URL, not both")
        }
        guard index.isEmpty || location != nil else {
            throw ValidationError(
                "--index needs --library DIR or --store URL: the library the folders are indexed into")
        }
        guard storeConnections >= 1 else { throw ValidationError("--store-connections must be at least 1") }
        if let immichFallback {
            // A usage error like the other options' (exit 64 with the usage line), not a run-time failure.
            do { _ = try ImmichFallback.validated(immichFallback) } catch { throw ValidationError("\(error)") }
        }
        guard modelTtl.isFinite, modelTtl >= 0 else {
            throw ValidationError("--model-ttl must be 0 (never unload) or a number of seconds, not \(modelTtl)")
        }
        for name in Self.list(preload) where !Self.list(models).contains(name) {
            throw ValidationError("--preload \(name): only models named in --models are preloaded")
        }
        guard !reindex || !index.isEmpty else {
            throw ValidationError("--reindex needs --index: the folders to embed again with the new model")
        }
    }

    /// `20MiB`, `512KiB`, `1GiB`, `20MB`, or a bare number of MiB, in bytes (at least 1 KiB).
    static func bytes(_ size: String) -> Int? {
        let text = size.trimmingCharacters(in: .whitespaces).lowercased()
        let (kib, mib, gib) = (1024.0, 1024.0 * 1024, 1024.0 * 1024 * 1024)
        let units: [(String, Double)] = [
            ("kib", kib), ("mib", mib), ("gib", gib), ("kb", 1e3), ("mb", 1e6), ("gb", 1e9), ("k", kib), ("m", mib),
            ("g", gib)
        ]
        let (number, scale) =
            units.first { text.hasSuffix($0.0) }.map { (String(text.dropLast($0.0.count)), $0.1) } ?? (text, mib)
        guard let value = Double(number.trimmingCharacters(in: .whitespaces)), value.isFinite else { return nil }
        let bytes = value * scale
        return bytes >= 1024 && bytes < 1e12 ? Int(bytes) : nil
    }

    func run() async throws {
        runtime.apply()
        var keys: [String] = []
        if let apiKeyFile {
            keys = try TextList.read(apiKeyFile).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !keys.isEmpty else {
                throw CLIPError.input(file: apiKeyFile, reason: "no API keys in the file (one per line)")
            }
        }
        let configuration = ServerConfiguration(
            host: host, port: port, apiKeys: keys, allowNoAuth: noAuth, maxBody: Self.bytes(maxBody)!,
            corsOrigin: corsOrigin, idleTimeout: idleTimeout, maxConnections: maxConnections,
            shutdownGrace: shutdownGrace, accessLog: accessLog, logLevel: logLevel.level,
            immichFallback: try immichFallback.map(ImmichFallback.validated))
        try configuration.validate()
        let started = Date()
        // Without --model, the library's own model (ViT-B-32 without a library, or for a new one).
        let location = self.location
        let modelOptions = self.modelOptions.following(try await location?.storedModel()?.spec)
        let loaded = try modelOptions.load(towers: .both)
        let batching = ServedModel.Batching(
            text: .init(maxBatch: maxBatch, maxDelay: (maxDelayMs ?? maxDelayTextMs) / 1000, timeout: timeout),
            image: .init(maxBatch: maxBatch, maxDelay: (maxDelayMs ?? maxDelayImageMs) / 1000, timeout: timeout))
        let served = try ServedModel(
            name: servedName ?? modelOptions.name, loaded: loaded,
            immichNames: Self.immichNames(modelOptions.name, loaded), batching: batching)
        var photos: ServedLibrary?
        if let location { photos = try await openLibrary(location, loaded: loaded) }
        let name = served.name, precision = loaded.model.precision.rawValue, dimension = served.dimension, host = host
        let registry = onDemandModels(batching: batching)
        for name in Self.list(preload) { try await registry?.preload(name) }
        let sweeper = Task { await registry?.runSweeper() }
        defer { sweeper.cancel() }
        let metrics = ServerMetrics(modelLoadSeconds: Date().timeIntervalSince(started))
        let app = try buildApplication(
            served, library: photos, configuration: configuration, metrics: metrics, registry: registry
        ) { bound in
            FileHandle.standardError.write(
                Data(
                    String(
                        format: "serving %@ (%@, dimension %d) on http://%@:%d, ready %.2f s after start\n",
                        name, precision, dimension, host, bound, Date().timeIntervalSince(started)
                    ).utf8))
        }
        // SIGTERM or SIGINT: stop accepting, finish the requests in flight (at most --shutdown-grace), exit 0.
        try await runUntilSignalled(app, grace: shutdownGrace)
        served.shutdown()
    }

    /// The models of `--models`, loaded with this command's precision and batching on first use.
    private func onDemandModels(batching: ServedModel.Batching) -> ModelRegistry? {
        let references = Self.list(models)
        guard !references.isEmpty else { return nil }
        let base = modelOptions
        return ModelRegistry(allowed: references, ttl: modelTtl) { reference in
            var options = base
            options.model = reference
            let started = Date()
            let loaded = try options.load(towers: .both)
            let served = try ServedModel(
                name: reference, loaded: loaded, immichNames: Self.immichNames(reference, loaded), batching: batching)
            let seconds = Date().timeIntervalSince(started)
            let line = String(format: "loaded %@ on demand in %.2f s\n", reference, seconds)
            FileHandle.standardError.write(Data(line.utf8))
            return served
        }
    }

    /// The Immich names `reference` answers /predict for; one whose Immich width is not the model's is left
    /// out, with a warning (those cannot be its weights).
    static func immichNames(_ reference: String, _ loaded: LoadedModel) -> [String] {
        let width = loaded.model.config.embedDim
        let names = ImmichModels.names(loadedAs: reference, dimension: width)
        for name in names.dropped {
            let expected = ImmichModels.entry(named: name)?.dimension ?? 0
            FileHandle.standardError.write(
                Data(
                    """
                    warning: \(reference) gives \(width)-dimensional embeddings, but Immich's \(name) has \(expected): \
                    /predict will not answer \(name) with it

                    """.utf8))
        }
        return names.kept
    }

    /// The library to serve: `--library`, `--store`, else `$CLIP_DATABASE_URL`; none without them.
    var location: LibraryLocation? { LibraryLocation.named(library: library, store: store) }

    /// The library kept open for requests, bound to the served model; its `--index` folders are indexed in
    /// the background from the start.
    private func openLibrary(_ location: LibraryLocation, loaded: LoadedModel) async throws -> ServedLibrary {
        let opened: (library: ServedLibrary, replaced: LibraryModel?)
        do {
            opened = try await ServedLibrary.open(
                location, model: loaded, index: index, excludes: exclude, replacing: reindex,
                connections: storeConnections,
                thumbnails: thumbnails.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath) })
        } catch let mismatch as LibraryModelMismatch {
            throw CLIPError.invalidArgument(LibraryOptions.refusal(mismatch, modelGiven: modelOptions.model != nil))
        }
        if let previous = opened.replaced {
            LibraryOptions.sayReplaced(previous, library: opened.library.store.location, by: loaded)
        }
        if !index.isEmpty { opened.library.reindex(finished: Self.sayIndexed) }
        return opened.library
    }

    /// The one line a background pass over the `--index` folders ends with.
    @Sendable static func sayIndexed(_ result: Result<Indexer.Report, Error>) {
        let line: String
        switch result {
        case let .success(report):
            line =
                "index: \(report.embedded) embedded, \(report.removed) removed, \(report.failed) could not be used, "
                + "\(report.unchanged) unchanged\n" + (report.housekeeping.map { "index: \($0)\n" } ?? "")
        case let .failure(error): line = "index: stopped: \(error)\n"
        }
        FileHandle.standardError.write(Data(line.utf8))
    }
}
