import CLIP
import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `clip serve` as a process on a free loopback port, asked over HTTP (every test target that starts one uses
/// this); its log goes to a file (a pipe nobody reads would fill up and stall it).
public struct ServeProcess {
    public let process: Process
    public let port: Int
    public let log: URL

    public static func start(_ arguments: [String], in folder: URL) throws -> ServeProcess {
        let log = folder.appendingPathComponent("serve-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = CLIProcess.executable
        process.arguments = ["serve", "--port", "0"] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, process.isRunning {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: #"127\.0\.0\.1:(\d+),"#, options: .regularExpression),
                let port = Int(text[range].dropFirst("127.0.0.1:".count).dropLast())
            {
                return ServeProcess(process: process, port: port, log: log)
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        process.terminate()
        throw CLIPError.invalidArgument(
            "clip serve did not announce its port: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
    }

    /// POSTs `json` (or GETs, without it) and returns the status and the JSON answer.
    public func request(_ path: String, _ json: [String: Any]? = nil) async throws
        -> (status: Int, body: [String: Any]) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.timeoutInterval = 60
        if let json {
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let body =
            (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [
                "text": String(decoding: data, as: UTF8.self)
            ]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, body)
    }

    /// SIGTERM, then its exit status.
    public func stop() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

extension ServeProcess {
    /// The paths of a search answer's results, in order.
    public static func paths(_ body: [String: Any]) -> [String] {
        (body["results"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
    }
}
