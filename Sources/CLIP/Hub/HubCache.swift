import Foundation

/// The Hugging Face hub cache, laid out as `huggingface_hub` lays it out, so a model a person already
/// downloaded with Python is found, and one downloaded here is found by Python:
/// `models--org--name/{blobs/<etag>, snapshots/<commit>/<file> → ../../blobs/<etag>, refs/<revision>}`.
public struct HubCache: Sendable {
    public let root: URL

    public init(root: URL) { self.root = root }

    /// `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let cache = environment["HF_HUB_CACHE"], !cache.isEmpty {
            root = URL(fileURLWithPath: (cache as NSString).expandingTildeInPath)
        } else if let home = environment["HF_HOME"], !home.isEmpty {
            root = URL(fileURLWithPath: (home as NSString).expandingTildeInPath).appendingPathComponent("hub")
        } else {
            let home = environment["HOME"] ?? NSHomeDirectory()
            root = URL(fileURLWithPath: home).appendingPathComponent(".cache/huggingface/hub")
        }
    }

    public func repoFolder(_ repo: String) -> URL {
        root.appendingPathComponent("models--" + repo.replacingOccurrences(of: "/", with: "--"))
    }

    func blob(_ repo: String, etag: String) -> URL { repoFolder(repo).appendingPathComponent("blobs/\(etag)") }

    func snapshot(_ repo: String, commit: String) -> URL {
        repoFolder(repo).appendingPathComponent("snapshots/\(commit)")
    }

    func refFile(_ repo: String, revision: String) -> URL {
        repoFolder(repo).appendingPathComponent("refs/\(revision)")
    }

    /// The commit a revision names: itself when it is a commit hash, else what `refs/<revision>` says.
    func commit(_ repo: String, revision: String) -> String? {
        if revision.count == 40, revision.allSatisfy(\.isHexDigit) { return revision }
        guard let text = try? String(contentsOf: refFile(repo, revision: revision), encoding: .utf8) else { return nil }
        let commit = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return commit.isEmpty ? nil : commit
    }

    /// The snapshot folder for `revision` if it holds every one of `files` (symlinks resolved), else nil.
    public func cachedSnapshot(_ repo: String, revision: String = "main", requiring files: [String]) -> URL? {
        guard let commit = commit(repo, revision: revision) else { return nil }
        let folder = snapshot(repo, commit: commit)
        let complete = files.allSatisfy {
            FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path)
        }
        return complete ? folder : nil
    }
}
