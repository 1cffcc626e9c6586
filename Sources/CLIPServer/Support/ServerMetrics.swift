import CLIP
import Foundation
import Hummingbird
import Prometheus

/// What `/metrics` exposes, in Prometheus' text format: requests by route, method and status, their
/// latency, the batchers' pass sizes and queue depths, the model's load time and the process's memory.
/// A registry per server (not a global one), so tests and several servers in one process stay apart.
public final class ServerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let modelLoadSeconds: Gauge
    private let residentBytes: Gauge

    public init(modelLoadSeconds seconds: Double = 0) {
        modelLoadSeconds = registry.makeGauge(
            descriptor: Self.name("clip_model_load", "seconds", "Seconds from process start to both towers loaded"))
        residentBytes = registry.makeGauge(
            descriptor: Self.name("process_resident_memory", "bytes", "Resident set size"))
        modelLoadSeconds.set(to: seconds)
    }

    /// A metric named `<name>_<unit>`.
    static func name(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: unit, helpText: help)
    }

    static var requests: MetricNameDescriptor {
        name("http_requests", "total", "HTTP requests by route, method and status")
    }
    static var errors: MetricNameDescriptor { name("http_errors", "total", "HTTP answers with a 4xx or 5xx status") }
    static var latency: MetricNameDescriptor {
        name("http_request_duration", "seconds", "Time from request to response head")
    }
    static var batchSize: MetricNameDescriptor { name("clip_batch_size", "inputs", "Inputs per forward pass") }
    static var queueDepth: MetricNameDescriptor {
        name("clip_queue_depth", "inputs", "Inputs waiting for a forward pass")
    }
    static let latencyBuckets: [Duration] = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]
        .map { .microseconds(Int64($0 * 1000)) }

    func recordRequest(route: String, method: String, status: Int, seconds: Double) {
        let labels = [("route", route), ("method", method), ("status", String(status))]
        registry.makeCounter(descriptor: Self.requests, labels: labels).increment()
        if status >= 400 { registry.makeCounter(descriptor: Self.errors, labels: labels).increment() }
        registry.makeDurationHistogram(
            descriptor: Self.latency, labels: [("route", route)], buckets: Self.latencyBuckets
        )
        .recordNanoseconds(Int64(seconds * 1e9))
    }

    /// Records the pass sizes of `served`'s batchers.
    func observe(_ served: ServedModel) {
        func histogram(_ tower: String) -> ValueHistogram {
            registry.makeValueHistogram(
                descriptor: Self.batchSize, labels: [("tower", tower)], buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256])
        }
        let text = histogram("text")
        served.text.observePasses { text.record(Double($0)) }
        if let image = served.image {
            let images = histogram("image")
            image.observePasses { images.record(Double($0)) }
        }
    }

    /// The text exposition, with the gauges that are read when scraped brought up to date.
    func render(_ served: ServedModel) -> String {
        registry.makeGauge(descriptor: Self.queueDepth, labels: [("tower", "text")]).set(
            to: Double(served.text.queueDepth))
        if let image = served.image {
            registry.makeGauge(descriptor: Self.queueDepth, labels: [("tower", "image")]).set(
                to: Double(image.queueDepth))
        }
        residentBytes.set(to: Double(Self.residentBytes()))
        return registry.emitToString()
    }

    /// Current RSS from /proc/self/statm (Linux); 0 elsewhere.
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}

/// Times every request and counts it by the route it matched (not the raw path, which would let clients
/// create unbounded label values) and its final status.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = DispatchTime.now().uptimeNanoseconds
        let response = try await next(request, context)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        metrics.recordRequest(
            route: context.endpointPath ?? "unmatched", method: request.method.rawValue,
            status: response.status.code, seconds: seconds)
        return response
    }
}
