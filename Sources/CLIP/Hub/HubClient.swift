import Crypto
import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Downloads model repositories from the Hugging Face hub (`{endpoint}/{repo}/resolve/{revision}/{file}`)
/// into `HubCache`: resumable (`blobs/<etag>.incomplete` and a `Range` request), checked against the
/// hub's size and sha256 (`X-Linked-Size`, `X-Linked-Etag`), and moved into place atomically.
/// Honours `HF_ENDPOINT`, `HF_TOKEN` and `HF_HUB_OFFLINE`.
public struct HubClient: Sendable {
    public var endpoint: URL
    public var token: String?
    public var offline: Bool
    public var cache: HubCache

    /// Bytes of one file so far, for a progress display.
    public struct Progress: Sendable {
        public let repo: String, file: String
        public let received: Int64, total: Int64
    }

    public init(
        endpoint: URL = URL(string: "https://huggingface.co")!, token: String? = nil, offline: Bool = false,
        cache: HubCache = HubCache()
    ) {
        self.endpoint = endpoint
        self.token = token
        self.offline = offline
        self.cache = cache
    }

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let endpoint =
            environment["HF_ENDPOINT"].flatMap { $0.isEmpty ? nil : URL(string: $0) } ?? URL(
                string: "https://huggingface.co")!
        let offline = ["1", "true", "yes", "on"].contains((environment["HF_HUB_OFFLINE"] ?? "").lowercased())
        self.init(
            endpoint: endpoint, token: environment["HF_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }, offline: offline,
            cache: HubCache(environment: environment))
    }

    /// Makes `files` of `repo` at `revision` present in the cache and returns the snapshot folder.
    /// `optionalFiles` are fetched when the repository has them. Already cached blobs are not fetched again.
    @discardableResult
    public func pull(
        repo: String, revision: String = "main", files: [String], optionalFiles: [String] = [],
        progress: (@Sendable (Progress) -> Void)? = nil
    ) throws -> URL {
        guard !offline else {
            throw CLIPError.network(
                resource: repo, reason: "not in the cache (\(cache.root.path)) and HF_HUB_OFFLINE is set")
        }
        var commit: String?
        for (file, required) in files.map({ ($0, true) }) + optionalFiles.map({ ($0, false) }) {
            guard
                let fileCommit = try fetch(
                    repo: repo, revision: revision, file: file, required: required, progress: progress)
            else { continue }
            commit = fileCommit
        }
        guard let commit else { throw CLIPError.network(resource: repo, reason: "no files downloaded") }
        if commit != revision {
            let ref = cache.refFile(repo, revision: revision)
            try FileOutput.createFolder(ref.deletingLastPathComponent())
            try FileOutput.write(commit, to: ref)
        }
        return cache.snapshot(repo, commit: commit)
    }

    /// Whether the repository has `file` at `revision` (a HEAD request).
    public func exists(repo: String, revision: String = "main", file: String) throws -> Bool {
        guard !offline else { throw CLIPError.network(resource: repo, reason: "HF_HUB_OFFLINE is set") }
        return try metadata(url(repo, revision, file), required: false) != nil
    }

    private func url(_ repo: String, _ revision: String, _ file: String) -> URL {
        endpoint.appendingPathComponent(repo).appendingPathComponent("resolve").appendingPathComponent(revision)
            .appendingPathComponent(file)
    }

    /// The hub's answer to a HEAD request, or nil when an optional file is missing.
    private func metadata(_ url: URL, required: Bool) throws -> HTTPURLResponse? {
        var head = request(url)
        head.httpMethod = "HEAD"
        let metadata = try HTTPTransfer.perform(head, followRedirects: false)
        switch metadata.statusCode {
        case 200..<400: return metadata
        case 404 where !required: return nil
        case 404:
            throw CLIPError.network(
                resource: url.absoluteString, reason: "not found: the repository, revision or file does not exist")
        case 401, 403:
            throw CLIPError.network(
                resource: url.absoluteString,
                reason:
                    """
                    HTTP \(metadata.statusCode): the repository is private or gated; set HF_TOKEN to a token with \
                    access
                    """
            )
        default: throw CLIPError.network(resource: url.absoluteString, reason: "HTTP \(metadata.statusCode)")
        }
    }

    /// Fetches one file; returns the commit the hub resolved, or nil for a missing optional file.
    private func fetch(
        repo: String, revision: String, file: String, required: Bool,
        progress: (@Sendable (Progress) -> Void)?
    ) throws -> String? {
        let url = url(repo, revision, file)
        guard let metadata = try metadata(url, required: required) else { return nil }
        guard let commit = header(metadata, "X-Repo-Commit"),
            let etag = (header(metadata, "X-Linked-Etag") ?? header(metadata, "ETag")).map(Self.normalisedETag),
            let size = (header(metadata, "X-Linked-Size") ?? header(metadata, "Content-Length")).flatMap({ Int64($0) })
        else {
            throw CLIPError.network(
                resource: url.absoluteString,
                reason:
                    "the server's answer lacks X-Repo-Commit, ETag or size headers (is HF_ENDPOINT a Hugging Face hub?)"
            )
        }
        let blob = cache.blob(repo, etag: etag)
        if !FileManager.default.fileExists(atPath: blob.path) {
            try download(
                url, to: blob, size: size, sha256: etag.count == 64 ? etag : nil, repo: repo, file: file,
                progress: progress)
        }
        try link(cache.snapshot(repo, commit: commit).appendingPathComponent(file), to: blob, repo: repo)
        return commit
    }

    private func download(
        _ url: URL, to blob: URL, size: Int64, sha256: String?, repo: String, file: String,
        progress: (@Sendable (Progress) -> Void)?
    ) throws {
        try FileOutput.createFolder(blob.deletingLastPathComponent())
        let partial = URL(fileURLWithPath: blob.path + ".incomplete")
        if !FileManager.default.fileExists(atPath: partial.path) {
            FileManager.default.createFile(atPath: partial.path, contents: nil)
        }
        guard let handle = FileHandle(forWritingAtPath: partial.path) else {
            throw CLIPError.io(file: partial.path, reason: "cannot open for writing")
        }
        defer { try? handle.close() }
        var received = Int64(try handle.seekToEnd())
        if received < size {
            var get = request(url)
            if received > 0 { get.setValue("bytes=\(received)-", forHTTPHeaderField: "Range") }
            var firstChunk = true
            var lastReport = Date.distantPast
            let response: HTTPURLResponse
            do {
                response = try HTTPTransfer.perform(get, followRedirects: true) { response, data in
                    if firstChunk, response.statusCode == 200, received > 0 {
                        // The server ignored the Range request and sends the whole file: start over.
                        try handle.truncate(atOffset: 0)
                        received = 0
                    }
                    firstChunk = false
                    try handle.write(contentsOf: data)
                    received += Int64(data.count)
                    if let progress, Date().timeIntervalSince(lastReport) > 0.1 || received == size {
                        lastReport = Date()
                        progress(Progress(repo: repo, file: file, received: received, total: size))
                    }
                }
            } catch let CLIPError.network(resource, reason) {
                throw CLIPError.network(
                    resource: resource,
                    reason:
                        """
                        \(reason); \(received) of \(size) bytes are kept in the cache: run the same command again \
                        to resume
                        """
                )
            }
            guard (200..<300).contains(response.statusCode) else {
                throw CLIPError.network(
                    resource: url.absoluteString, reason: "HTTP \(response.statusCode) while downloading")
            }
        }
        try handle.synchronize()
        let actual = (try? FileManager.default.attributesOfItem(atPath: partial.path)[.size] as? Int64) ?? -1
        guard actual == size else {
            throw CLIPError.network(
                resource: url.absoluteString,
                reason: "download stopped at \(actual) of \(size) bytes; run again to resume")
        }
        if let sha256, try Self.sha256(of: partial) != sha256 {
            try? FileManager.default.removeItem(at: partial)
            throw CLIPError.network(
                resource: url.absoluteString,
                reason: "sha256 does not match the hub's (\(sha256)); the partial file was removed, run again")
        }
        try? FileManager.default.removeItem(at: blob)
        try FileManager.default.moveItem(at: partial, to: blob)
    }

    private func request(_ url: URL) -> URLRequest {
        var request = URLRequest(url: url)
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        request.setValue("SwiftCLIP", forHTTPHeaderField: "User-Agent")
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        return request
    }

    private func header(_ response: HTTPURLResponse, _ name: String) -> String? {
        response.value(forHTTPHeaderField: name).map { $0.trimmingCharacters(in: .whitespaces) }.flatMap {
            $0.isEmpty ? nil : $0
        }
    }

    /// `W/"abc"` → `abc`, as huggingface_hub names blobs.
    static func normalisedETag(_ etag: String) -> String {
        var value = etag
        if value.hasPrefix("W/") { value.removeFirst(2) }
        return value.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }

    static func sha256(of url: URL) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw CLIPError.io(file: url.path, reason: "cannot open")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 22), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// `snapshots/<commit>/<file>` → a relative symlink to the blob, as huggingface_hub makes it.
    private func link(_ path: URL, to blob: URL, repo: String) throws {
        try FileOutput.createFolder(path.deletingLastPathComponent())
        let depth = path.deletingLastPathComponent().pathComponents.count - cache.repoFolder(repo).pathComponents.count
        let target = String(repeating: "../", count: max(depth, 0)) + "blobs/" + blob.lastPathComponent
        try? FileManager.default.removeItem(at: path)
        do { try FileManager.default.createSymbolicLink(atPath: path.path, withDestinationPath: target) } catch {
            throw CLIPError.io(
                file: path.path, reason: "cannot create the snapshot link: \(error.localizedDescription)")
        }
    }

}
