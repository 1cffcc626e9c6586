import ArgumentParser
import CLIP
import CLIPServer
import Foundation
import Hummingbird

/// `clip serve`: the model over HTTP (OpenAI-compatible embeddings, Immich's /predict), both towers loaded
/// before it listens.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve embeddings over HTTP: OpenAI-compatible /v1/embeddings (texts and images), Immich's /predict, /v1/models, /healthz, /readyz, /metrics.")

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var runtime: RuntimeOptions

    @Option(name: .long, help: "Address to listen on (loopback by default; any other needs --api-key-file or --no-auth).")
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
    @Option(name: .long, help: "Milliseconds a text request waits for others to batch with.")
    var maxDelayTextMs = 2.0
    @Option(name: .long, help: "Milliseconds an image request waits for others to batch with.")
    var maxDelayImageMs = 5.0
    @Option(name: .long, help: "Seconds a request may wait for its forward pass before it is answered 504.")
    var timeout = 30.0
    @Option(name: .long, help: "Largest request body in MiB (413 beyond).")
    var maxBodyMib = 20
    @Option(name: .long, help: "The browser origin allowed to call the API (CORS), e.g. https://photos.example; off by default.")
    var corsOrigin: String?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535, not \(port)") }
        guard maxBatch >= 1 else { throw ValidationError("--max-batch must be at least 1") }
        guard maxDelayTextMs >= 0, maxDelayImageMs >= 0 else { throw ValidationError("--max-delay-*-ms must not be negative") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
        guard maxBodyMib >= 1 else { throw ValidationError("--max-body-mib must be at least 1") }
    }

    func run() async throws {
        runtime.apply()
        var keys: [String] = []
        if let apiKeyFile {
            keys = try TextList.read(apiKeyFile).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !keys.isEmpty else { throw CLIPError.input(file: apiKeyFile, reason: "no API keys in the file (one per line)") }
        }
        let configuration = ServerConfiguration(host: host, port: port, apiKeys: keys, allowNoAuth: noAuth, maxBody: maxBodyMib << 20,
                                                corsOrigin: corsOrigin)
        try configuration.validate()
        let started = Date()
        let loaded = try modelOptions.load(towers: .both)
        let batching = ServedModel.Batching(
            text: .init(maxBatch: maxBatch, maxDelay: maxDelayTextMs / 1000, timeout: timeout),
            image: .init(maxBatch: maxBatch, maxDelay: maxDelayImageMs / 1000, timeout: timeout))
        let served = try ServedModel(name: servedName ?? modelOptions.model, loaded: loaded, batching: batching)
        let name = served.name, precision = loaded.model.precision.rawValue, dimension = served.dimension, host = host
        let metrics = ServerMetrics(modelLoadSeconds: Date().timeIntervalSince(started))
        let app = try buildApplication(served, configuration: configuration, metrics: metrics) { bound in
            FileHandle.standardError.write(Data(String(format: "serving %@ (%@, dimension %d) on http://%@:%d, ready %.2f s after start\n",
                                                       name, precision, dimension, host, bound, Date().timeIntervalSince(started)).utf8))
        }
        // SIGTERM or SIGINT: stop accepting, finish the requests in flight, exit 0.
        try await app.runService()
        served.shutdown()
    }
}
