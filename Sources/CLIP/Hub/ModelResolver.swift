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

    /// The cached snapshot of `repo` in any known layout, or nil.
    public func cached(_ repo: String, revision: String = "main") -> URL? {
        KnownModels.layouts.lazy.compactMap {
            hub.cache.cachedSnapshot(repo, revision: revision, requiring: $0.required)
        }.first
    }

    /// Downloads `repo` in the first layout it has (Hugging Face, else open_clip).
    public func pull(repo: String, revision: String = "main", progress: (@Sendable (HubClient.Progress) -> Void)? = nil)
        throws -> URL
    {
        for layout in KnownModels.layouts where try hub.exists(repo: repo, revision: revision, file: layout.required[0])
        {
            return try hub.pull(
                repo: repo, revision: revision, files: layout.required, optionalFiles: layout.optional,
                progress: progress)
        }
        let expected = KnownModels.layouts.map { $0.required.joined(separator: " + ") }.joined(separator: ", or ")
        throw CLIPError.network(resource: repo, reason: "not a CLIP checkpoint repository: it has neither \(expected)")
    }

    /// A local folder or file for `reference`, pulling it into the cache when missing.
    public func resolve(_ reference: String, progress: (@Sendable (HubClient.Progress) -> Void)? = nil) throws -> URL {
        let expanded = (reference as NSString).expandingTildeInPath
        if FileManager.default.fileExists(atPath: expanded) { return URL(fileURLWithPath: expanded) }
        if let immich = ImmichModels.entry(named: reference), let reason = immich.unsupported {
            throw CLIPError.invalidArgument("\(reference) (Immich's name): \(reason)")
        }
        guard let repo = repository(for: reference) else {
            throw CLIPError.invalidArgument(
                """
                \(reference): no such file or folder, and not a known model name \
                (\(KnownModels.all.map(\.name).joined(separator: ", "))) or hub repository id (org/name)
                """
            )
        }
        if let cached = cached(repo) { return cached }
        let pullCommand = "clip models pull \(reference)"
        guard !hub.offline else {
            throw CLIPError.network(
                resource: reference,
                reason:
                    """
                    model \(repo) is not downloaded and HF_HUB_OFFLINE is set: run `\(pullCommand)` with internet \
                    access, or pass --model FOLDER
                    """
            )
        }
        do {
            return try pull(repo: repo, progress: progress)
        } catch let CLIPError.network(resource, reason) {
            throw CLIPError.network(
                resource: resource,
                reason:
                    """
                    \(reason) — model \(repo) is not downloaded: run `\(pullCommand)` where \
                    \(hub.endpoint.host ?? "the hub") is reachable, set HF_ENDPOINT to a mirror, or pass --model \
                    FOLDER
                    """
            )
        }
    }
}
