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

    public var excludes: [String]

    public init(excludes: [String] = []) { self.excludes = excludes }

    /// Image files under `root` (absolute, standardised paths) with their size and modification time.
    public func scan(_ root: String) throws -> [Entry] {
        let start = URL(fileURLWithPath: root).standardizedFileURL.path
        var info = stat()
        guard stat(start, &info) == 0 else { throw CLIPError.input(file: root, reason: "no such file or folder") }
        if info.st_mode & S_IFMT != S_IFDIR { return [entry(start, info)] }
        var visited = Set<[UInt64]>()
        var found: [Entry] = []
        var pending = [start]
        while let folder = pending.popLast() {
            var folderInfo = stat()
            guard stat(folder, &folderInfo) == 0, visited.insert([UInt64(folderInfo.st_dev), UInt64(folderInfo.st_ino)]).inserted else { continue }
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { continue }  // unreadable: skipped
            for name in names where !name.hasPrefix(".") {
                let path = folder == "/" ? "/" + name : folder + "/" + name
                if isExcluded(path, name) { continue }
                var item = stat()
                guard stat(path, &item) == 0 else { continue }  // dangling symlink
                switch item.st_mode & S_IFMT {
                case S_IFDIR: pending.append(path)
                case S_IFREG where ImageFiles.extensions.contains((name as NSString).pathExtension.lowercased()):
                    found.append(entry(path, item))
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
        Entry(path: path, size: Int64(info.st_size), mtime: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9)
    }
}
