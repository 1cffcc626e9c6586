import Foundation

/// Walks folders for image files, for every command (`embed`, `classify`, `rank` and the indexer alike):
/// hidden files and folders skipped, `--exclude` globs honoured (against the full path and the name),
/// symlinks followed, each real folder visited once (no loops), unreadable folders skipped.
public struct FileScanner: Sendable {
    public struct Entry: Sendable, Equatable {
        public let path: String
        public let size: Int64
        public let mtime: Double
    }

    /// What a scan passed over, to say why a folder gave no images.
    public struct Skipped: Sendable, Equatable {
        /// Regular files that are not images by extension, counted per lowercased extension ("" for none).
        public var otherFiles: [String: Int] = [:]
        public var hidden = 0, excluded = 0, unreadableFolders = 0

        public init() {}

        /// "12 other files (7 .txt, 5 .pdf), 3 hidden" — or nil when nothing was skipped.
        public var description: String? {
            var parts: [String] = []
            let others = otherFiles.values.reduce(0, +)
            if others > 0 {
                let kinds = otherFiles.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(4)
                    .map { "\($0.value) \($0.key.isEmpty ? "without extension" : "." + $0.key)" }
                parts.append(
                    """
                    \(others) other file\(others == 1 ? "" : "s") \
                    (\(kinds.joined(separator: ", "))\(otherFiles.count > 4 ? ", …" : ""))
                    """
                )
            }
            if hidden > 0 { parts.append("\(hidden) hidden") }
            if excluded > 0 { parts.append("\(excluded) excluded by --exclude") }
            if unreadableFolders > 0 {
                parts.append("\(unreadableFolders) unreadable folder\(unreadableFolders == 1 ? "" : "s")")
            }
            return parts.isEmpty ? nil : parts.joined(separator: ", ")
        }
    }

    public var excludes: [String]

    public init(excludes: [String] = []) { self.excludes = excludes }

    /// Image files under `root` (absolute, standardised paths) with their size and modification time.
    public func scan(_ root: String) throws -> [Entry] {
        var skipped = Skipped()
        return try scan(root, skipped: &skipped)
    }

    /// The same, counting in `skipped` what was passed over.
    public func scan(_ root: String, skipped: inout Skipped) throws -> [Entry] {
        let start = URL(fileURLWithPath: root).standardizedFileURL.path
        var info = stat()
        guard stat(start, &info) == 0 else { throw CLIPError.input(file: root, reason: "no such file or folder") }
        if info.st_mode & S_IFMT != S_IFDIR { return [entry(start, info)] }
        var visited = Set<[UInt64]>()
        var found: [Entry] = []
        var pending = [start]
        while let folder = pending.popLast() {
            var folderInfo = stat()
            guard stat(folder, &folderInfo) == 0,
                visited.insert([UInt64(folderInfo.st_dev), UInt64(folderInfo.st_ino)]).inserted
            else { continue }
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
                skipped.unreadableFolders += 1
                continue
            }
            for name in names {
                if name.hasPrefix(".") {
                    skipped.hidden += 1
                    continue
                }
                let path = folder == "/" ? "/" + name : folder + "/" + name
                if isExcluded(path, name) {
                    skipped.excluded += 1
                    continue
                }
                var item = stat()
                guard stat(path, &item) == 0 else { continue }  // dangling symlink
                let pathExtension = (name as NSString).pathExtension.lowercased()
                switch item.st_mode & S_IFMT {
                case S_IFDIR: pending.append(path)
                case S_IFREG where ImageFiles.extensions.contains(pathExtension):
                    found.append(entry(path, item))
                case S_IFREG: skipped.otherFiles[pathExtension, default: 0] += 1
                default: break
                }
            }
        }
        return found.sorted { $0.path < $1.path }
    }

    private func isExcluded(_ path: String, _ name: String) -> Bool {
        excludes.contains { fnmatch($0, path, 0) == 0 || fnmatch($0, name, 0) == 0 }
    }

    private func entry(_ path: String, _ info: stat) -> Entry {
        Entry(
            path: path, size: Int64(info.st_size),
            mtime: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9)
    }
}
