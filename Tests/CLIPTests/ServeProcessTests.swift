import CLIP
import CLIPTestSupport
import Foundation
import XCTest

extension RunsCLI {
    /// Starts `clip serve` with `arguments` and returns it with its port, once it says it is serving (its log
    /// goes to a file in a temporary folder of the test's).
    func startServe(_ arguments: [String]) throws -> (Process, Int) {
        let served = try ServeProcess.start(arguments, in: try temporaryDirectory(self))
        return (served.process, served.port)
    }
}

/// A raw HTTP/1.1 request on its own connection (`Connection: close`), sent in full before any answer
/// is read, so that the test knows the server has accepted it.
final class RawRequest {
    let socket: RawSocket

    init(port: Int, method: String = "POST", path: String, contentType: String, body: Data, host: String = "127.0.0.1")
        throws
    {
        socket = try RawSocket(port: port)
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(socket.fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let head =
            """
            \(method) \(path) HTTP/1.1\r\nHost: \(host)\r\nContent-Type: \(contentType)\r\nContent-Length: \
            \(body.count)\r\nConnection: close\r\n\r\n
            """
        try socket.send(Data(head.utf8) + body)
    }

    /// The status code and the body, read until the server closes the connection.
    func response() -> (status: Int, body: Data) {
        var data = Data(), buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(socket.fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            data.append(buffer, count: n)
        }
        guard let split = data.range(of: Data("\r\n\r\n".utf8)) else { return (0, data) }
        let statusLine = String(decoding: data[..<split.lowerBound], as: UTF8.self).split(separator: " ")
        return (statusLine.count > 1 ? Int(statusLine[1]) ?? 0 : 0, data[split.upperBound...])
    }
}

/// `clip serve` as a process on a free loopback port, driven the way its clients drive it: the OpenAI
/// shape, Immich's multipart form, and SIGTERM while requests are in flight.
extension CLITests {
    static func immichForm(entries: String, image: Data? = nil, text: String? = nil) -> (Data, String) {
        let boundary = "----immich\(UUID().uuidString)"
        var body = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"entries\"\r\n\r\n\(entries)\r\n".utf8)
        if let image {
            body += Data(
                """
                --\(boundary)\r\nContent-Disposition: form-data; name=\"image\"; \
                filename=\"blob\"\r\nContent-Type: application/octet-stream\r\n\r\n
                """
                .utf8)
            body += image + Data("\r\n".utf8)
        }
        if let text {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n\(text)\r\n".utf8)
        }
        body += Data("--\(boundary)--\r\n".utf8)
        return (body, "multipart/form-data; boundary=\(boundary)")
    }

    /// Requests of every kind are accepted and waiting in the batchers (a 1.5 s batching delay) when SIGTERM
    /// arrives: each is answered in full, with the vectors `clip embed` gives, and the process exits 0.
    func testServeAnswersEveryAcceptedRequestThenExitsZeroOnSIGTERM() throws {
        let dir = try temporaryDirectory(self)
        let model = Fixtures.url("engine/hf_gelu_p14_fp16").path
        let texts = (0..<8).map { "a photo of dog number \($0)" }
        try Data(texts.joined(separator: "\n").utf8).write(to: dir.appendingPathComponent("texts.txt"))
        let image = Fixtures.url("images/rgb_baseline.jpg")
        let textsNPY = dir.appendingPathComponent("t.npy").path, imageNPY = dir.appendingPathComponent("i.npy").path
        try run(["embed", "--model", model, "--texts", dir.appendingPathComponent("texts.txt").path, "-o", textsNPY])
        try run(["embed", "--model", model, "--images", image.path, "-o", imageNPY])
        let expectedTexts = try NPY.read(URL(fileURLWithPath: textsNPY)).tensor(file: textsNPY)
        let expectedImage = try NPY.read(URL(fileURLWithPath: imageNPY)).tensor(file: imageNPY).row(0)

        // A library of the two pictures, for searches in flight too.
        let photos = dir.appendingPathComponent("photos")
        try FileManager.default.createDirectory(at: photos, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: image, to: photos.appendingPathComponent("a.jpg"))
        try FileManager.default.copyItem(at: Fixtures.url("images/rgb.png"), to: photos.appendingPathComponent("b.png"))
        let library = dir.appendingPathComponent("library").path
        try run(["index", "--model", model, "--library", library, photos.path])

        let (process, port) = try startServe([
            "--model", model, "--served-name", "ViT-B-32__openai", "--max-delay-ms", "1500", "--library", library
        ])
        defer { if process.isRunning { process.terminate() } }
        // Loopback without keys answers only loopback names (DNS rebinding): checked before the load.
        let rebound = try RawRequest(
            port: port, method: "GET", path: "/v1/models", contentType: "text/plain", body: Data(), host: "evil.example"
        )
        XCTAssertEqual(rebound.response().status, 403)
        let named = try RawRequest(
            port: port, method: "GET", path: "/v1/models", contentType: "text/plain", body: Data(),
            host: "localhost:\(port)")
        XCTAssertEqual(named.response().status, 200)
        let jpeg = try Data(contentsOf: image)
        var requests: [(kind: String, index: Int, request: RawRequest)] = []
        for (i, text) in texts.enumerated() {
            let body = try JSONSerialization.data(withJSONObject: ["model": "ViT-B-32__openai", "input": text])
            requests.append(
                (
                    "openai-text", i,
                    try RawRequest(port: port, path: "/v1/embeddings", contentType: "application/json", body: body)
                ))
        }
        for i in 0..<3 {
            let body = try JSONSerialization.data(withJSONObject: [
                "model": "ViT-B-32__openai", "modality": "image",
                "input": ["data:image/jpeg;base64," + jpeg.base64EncodedString()]
            ])
            requests.append(
                (
                    "openai-image", i,
                    try RawRequest(port: port, path: "/v1/embeddings", contentType: "application/json", body: body)
                ))
        }
        for i in 0..<3 {
            let (form, type) = Self.immichForm(
                entries: #"{"clip":{"visual":{"modelName":"ViT-B-32__openai","options":{}}}}"#, image: jpeg)
            requests.append(
                ("immich-visual", i, try RawRequest(port: port, path: "/predict", contentType: type, body: form)))
        }
        for i in 0..<3 {
            let (form, type) = Self.immichForm(
                entries: #"{"clip":{"textual":{"modelName":"ViT-B-32__openai","options":{"language":"en"}}}}"#,
                text: texts[i])
            requests.append(
                ("immich-text", i, try RawRequest(port: port, path: "/predict", contentType: type, body: form)))
        }
        for i in 0..<2 {
            let body = try JSONSerialization.data(withJSONObject: ["query": texts[i], "top_k": 2])
            requests.append(
                (
                    "search", i,
                    try RawRequest(port: port, path: "/v1/search", contentType: "application/json", body: body)
                ))
        }
        Thread.sleep(forTimeInterval: 0.4)  // every request read and queued; none answered (1.5 s batching delay)
        process.terminate()  // SIGTERM

        for (kind, i, request) in requests {
            let (status, body) = request.response()
            XCTAssertEqual(status, 200, "\(kind) \(i): \(String(decoding: body, as: UTF8.self))")
            let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
            if kind == "search" {
                let results = object["results"] as? [[String: Any]] ?? []
                XCTAssertEqual(results.count, 2, "\(object)")
                XCTAssertEqual(object["searched"] as? Int, 2)
                continue
            }
            let vector: [Float]
            if kind.hasPrefix("openai") {
                vector = (((object["data"] as? [[String: Any]])?.first?["embedding"]) as? [Double] ?? []).map(
                    Float.init)
            } else {
                let text = object["clip"] as? String ?? ""
                vector = ((try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [Double] ?? []).map(Float.init)
                if kind == "immich-visual" {
                    XCTAssertEqual(object["imageWidth"] as? Int, 300)
                    XCTAssertEqual(object["imageHeight"] as? Int, 200)
                }
            }
            let expected = kind.hasSuffix("image") || kind.hasSuffix("visual") ? expectedImage : expectedTexts.row(i)
            XCTAssertEqual(vector.count, expected.count, "\(kind) \(i)")
            XCTAssertEqual(zip(vector, expected).map { abs($0 - $1) }.max() ?? 1, 0, accuracy: 1e-6, "\(kind) \(i)")
        }
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit)
        XCTAssertEqual(process.terminationStatus, 0)
    }
}
