import Foundation

/// Turns what a person passes as `--model` into files on disk: a local folder or `.safetensors` file as
/// it is; a known short name (`ViT-B-32`) or any hub repository id (`org/name`) through the cache,
/// downloading on first use unless offline.
public struct ModelResolver: Sendable {
    public var hub: HubClient

    public init(hub: HubClient = HubClient()) { self.hub = hub }

    /// The hub repository `reference` names, or nil when it is a local path.
    public func repository(for reference: String) -> String? {
        if FileManager.default.fileExists(atPath: (reference as NSString).expandingTildeInPath) { return nil }
        if let repo = KnownModels.repo(for: reference) { return repo }
        let parts = reference.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy({ !$0.isEmpty }) && !reference.hasPrefix(".") ? reference : nil
    }

    /// A local folder or file for `reference`, pulling it into the cache when missing.
    public func resolve(_ reference: String, progress: (@Sendable (HubClient.Progress) -> Void)? = nil) throws -> URL {
        let expanded = (reference as NSString).expandingTildeInPath
        if FileManager.default.fileExists(atPath: expanded) { return URL(fileURLWithPath: expanded) }
        guard let repo = repository(for: reference) else {
            throw CLIPError.invalidArgument("\(reference): no such file or folder, and not a known model name (\(KnownModels.all.map(\.name).joined(separator: ", "))) or hub repository id (org/name)")
        }
        if let cached = hub.cache.cachedSnapshot(repo, requiring: KnownModels.requiredFiles) { return cached }
        let pull = "clip models pull \(reference)"
        guard !hub.offline else {
            throw CLIPError.network(resource: reference, reason: "model \(repo) is not downloaded and HF_HUB_OFFLINE is set: run `\(pull)` with internet access, or pass --model FOLDER")
        }
        do {
            return try hub.pull(repo: repo, files: KnownModels.requiredFiles, optionalFiles: KnownModels.optionalFiles, progress: progress)
        } catch let CLIPError.network(resource, reason) {
            throw CLIPError.network(resource: resource, reason: "\(reason) — model \(repo) is not downloaded: run `\(pull)` where \(hub.endpoint.host ?? "the hub") is reachable, set HF_ENDPOINT to a mirror, or pass --model FOLDER")
        }
    }
}
