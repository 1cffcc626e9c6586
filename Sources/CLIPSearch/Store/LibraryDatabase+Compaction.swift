import CLIP
import Foundation
import GRDB

/// The vector file is append-only: a changed file's new vector is appended and its old row orphaned, and
/// a deleted file's row stays. Compaction rewrites it with the live rows only.
extension LibraryDatabase {
    public struct Compaction: Sendable, Equatable {
        /// Vector rows before and after.
        public let before: Int
        public let after: Int
        /// The new vector file's name.
        public let file: String
    }

    /// Compact once at least this share of the vector file is orphaned rows …
    public static let compactionRatio = 0.3
    /// … and at least this many (a small library is not worth the rewrite).
    public static let compactionMinimumRows = 256

    /// Orphaned rows and all rows of the vector file now.
    public func garbage() throws -> (orphaned: Int, rows: Int) {
        try read { db in
            let meta = try Meta(db)
            let live = try Int.fetchOne(db, sql: "SELECT count(*) FROM files WHERE row IS NOT NULL") ?? 0
            return (meta.vectors - live, meta.vectors)
        }
    }

    /// Rewrites the vector file without its orphaned rows when at least `compactionRatio` of it (and
    /// `compactionMinimumRows`) is orphaned, or whenever there are any with `force`; nil when it did not.
    ///
    /// Crash-safe, as the library's only writer: the live rows go to a new file (`vectors-N.f32`), synced,
    /// with the HNSW index relabelled for it (`index-N.hnsw`: its graph is kept, only ids change); then
    /// one transaction renumbers the records and names the new file; only then is the old one deleted. A
    /// kill at any point leaves the library whole on the old file or on the new one; leftovers of a killed
    /// compaction are deleted by the next. Other processes switch files at their next read or commit
    /// (their snapshots keep the old file mapped until they are done with it).
    @discardableResult
    public func compact(force: Bool = false) throws -> Compaction? {
        try asWriter { old in
            let (meta, live) = try read { db in
                (
                    try Meta(db),
                    try Row.fetchAll(db, sql: "SELECT id, row FROM files WHERE row IS NOT NULL ORDER BY row")
                        .map { (id: $0["id"] as Int64, row: $0["row"] as Int) }
                )
            }
            Self.removeVectorFiles(in: directory, keeping: [meta.vectorFile, Self.indexName(for: meta.vectorFile)])
            let orphaned = meta.vectors - live.count
            let worth =
                orphaned >= Self.compactionMinimumRows
                && Double(orphaned) >= Self.compactionRatio * Double(meta.vectors)
            guard orphaned > 0, force || worth else { return nil }

            let name = Self.vectorFile(after: meta.vectorFile)
            try writeRows(live.map(\.row), of: old, committed: meta.vectors, to: directory.appendingPathComponent(name))
            let oldIndex = directory.appendingPathComponent(Self.indexName(for: meta.vectorFile))
            if FileManager.default.fileExists(atPath: oldIndex.path), let index = try? HNSWIndex.load(from: oldIndex),
                index.dimension == dimension
            {
                // In step with the old rows first, then the same graph under the new row numbers.
                _ = try bringInStep(index, live: Set(live.map(\.row)), file: old, committed: meta.vectors)
                var renumbered: [Int: Int] = [:]
                for (new, entry) in live.enumerated() { renumbered[entry.row] = new }
                index.relabel { renumbered[$0] }
                try? index.save(to: directory.appendingPathComponent(Self.indexName(for: name)))
            }
            try write { db in
                for (new, entry) in live.enumerated() where entry.row != new {
                    try db.execute(sql: "UPDATE files SET row = ? WHERE id = ?", arguments: [new, entry.id])
                }
                try db.execute(
                    sql: "INSERT OR REPLACE INTO meta(key, value) VALUES ('vectors', ?)", arguments: ["\(live.count)"])
                try db.execute(
                    sql: "INSERT OR REPLACE INTO meta(key, value) VALUES ('vector_file', ?)", arguments: [name])
            }
            commitLock.withLock { commits += 1 }
            Self.removeVectorFiles(in: directory, keeping: [name, Self.indexName(for: name)])
            return Compaction(before: meta.vectors, after: live.count, file: name)
        }
    }

    /// `vectors.f32` → `vectors-1.f32` → `vectors-2.f32` …
    static func vectorFile(after name: String) -> String {
        let number = Int(name.dropFirst("vectors-".count).dropLast(".f32".count)) ?? 0
        return "vectors-\(number + 1).f32"
    }

    /// `rows` of `file`, in that order, into a new file at `url`, synced (and its folder entry too).
    private func writeRows(_ rows: [Int], of file: VectorFile, committed: Int, to url: URL) throws {
        let source = try file.rows(atLeast: committed)
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw CLIPError.io(
                file: url.path, reason: "cannot create the compacted vector file: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let chunkRows = max(1, (8 << 20) / (dimension * MemoryLayout<Float>.size))
        var buffer = [Float](repeating: 0, count: chunkRows * dimension)
        var offset = 0
        for start in stride(from: 0, to: rows.count, by: chunkRows) {
            let part = rows[start..<min(rows.count, start + chunkRows)]
            for (i, row) in part.enumerated() {
                for k in 0..<dimension { buffer[i * dimension + k] = source[row * dimension + k] }
            }
            let bytes = part.count * dimension * MemoryLayout<Float>.size
            try buffer.withUnsafeBytes {
                try FileWrite.write(
                    fd, UnsafeRawBufferPointer(rebasing: $0.prefix(bytes)), at: off_t(offset), file: url.path,
                    what: "the compacted vector file")
            }
            offset += bytes
        }
        try FileWrite.sync(fd, file: url.path, what: "the compacted vector file")
        let folder = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folder >= 0 {
            fsync(folder)
            close(folder)
        }
    }
}
