import CLIP
import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A real Immich machine-learning server (`--immich-fallback URL`) that answers the `/predict` tasks
/// SwiftCLIP does not serve (facial recognition, OCR). Those entries are sent on as Immich's server sends
/// them: a multipart form of `entries` with the same `image` file or `text` field.
public struct ImmichFallback: Sendable {
    public let url: URL
    /// Face detection on a CPU can take seconds; Immich's own server waits for `/predict` without a limit.
    public var timeout: TimeInterval

    public init(url: URL, timeout: TimeInterval = 120) {
        self.url = url
        self.timeout = timeout
    }

    /// Refuses a URL Immich could not call either.
    public static func validated(_ text: String) throws -> ImmichFallback {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else {
            throw CLIPError.invalidArgument(
                "--immich-fallback must be an http(s) URL of an Immich ML server, like "
                    + "http://immich-machine-learning:3003, not '\(text)'")
        }
        return ImmichFallback(url: url)
    }

    /// What went wrong on the way to the fallback: its own refusal (relayed), or no answer at all.
    enum Failure: Error {
        case answered(status: Int, detail: String)
        case unreachable(String)
    }

    /// The fallback's JSON answer to `entries` (JSON, the tasks it is asked for) with `image` or `text`.
    func predict(entries: Data, image: Data?, text: String?) async throws -> [String: Any] {
        let boundary = "swiftclip-\(UUID().uuidString)"
        var body = Data()
        func part(_ name: String, _ value: Data, file: Bool) {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"".utf8)
            body += Data((file ? "; filename=\"blob\"\r\nContent-Type: application/octet-stream" : "").utf8)
            body += Data("\r\n\r\n".utf8) + value + Data("\r\n".utf8)
        }
        part("entries", entries, file: false)
        if let image { part("image", image, file: true) }
        if let text { part("text", Data(text.utf8), file: false) }
        body += Data("--\(boundary)--\r\n".utf8)

        var request = URLRequest(url: url.appendingPathComponent("predict"), timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.setValue("multipart/form-data; boundary=\(boundary)", forHTTPHeaderField: "Content-Type")
        request.httpBody = body
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw Failure.unreachable(error.localizedDescription)
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        guard (200..<300).contains(status), let object else {
            let detail = object?["detail"].map { "\($0)" } ?? String(decoding: data.prefix(500), as: UTF8.self)
            throw Failure.answered(status: status, detail: detail)
        }
        return object
    }
}
