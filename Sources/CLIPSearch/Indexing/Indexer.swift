import CLIP
import Foundation

/// Brings a library up to date with folders: new and changed files (size + mtime) are embedded, moved files
/// (same content fingerprint) keep their vectors, deleted ones are dropped, files that failed are not retried
/// until they change. Work is committed in batches, so a kill loses at most the batch in flight.
public struct Indexer {
    public let store: LibraryStore
    public var scanner: FileScanner
    /// Files per committed batch.
    public var commitEvery: Int

    public struct Plan: Sendable {
        /// Files to embed (new, changed, or never embedded with this model).
        public var toEmbed: [FileScanner.Entry] = []
        /// Moves: the existing record and where its file is now.
        public var moved: [(FileRecord, FileScanner.Entry)] = []
        /// Records whose files are gone.
        public var removed: [FileRecord] = []
        /// Fingerprints already taken while planning (new paths), so embedding does not read them again.
        var fingerprints: [String: String] = [:]
        public var unchanged = 0
        public var isEmpty: Bool { toEmbed.isEmpty && moved.isEmpty && removed.isEmpty }
    }

    public struct Report: Sendable {
        public var embedded = 0, failed = 0, moved = 0, removed = 0, unchanged = 0
    }

    public init(store: LibraryStore, scanner: FileScanner = FileScanner(), commitEvery: Int = 64) {
        self.store = store; self.scanner = scanner; self.commitEvery = commitEvery
    }

    /// What `update` would do; only `stat`s files (and fingerprints new ones to recognise moves).
    public func plan(roots: [String]) throws -> Plan {
        var plan = Plan()
        for root in roots {
            let folder = URL(fileURLWithPath: root).standardizedFileURL.path
            let entries = try scanner.scan(folder)
            var known = try store.records(under: folder)
            var fresh: [FileScanner.Entry] = []
            for entry in entries {
                guard let record = known.removeValue(forKey: entry.path) else { fresh.append(entry); continue }
                let same = record.size == entry.size && record.mtime == entry.mtime
                if same && (record.row != nil || record.error != nil) { plan.unchanged += 1 } else { plan.toEmbed.append(entry) }
            }
            // What is left in `known` is gone from disk, unless a new path holds the same content.
            var goneByHash = Dictionary(grouping: known.values.filter { $0.row != nil }, by: \.hash)
            for entry in fresh {
                let hash = ContentHash.of(entry.path, size: entry.size)
                plan.fingerprints[entry.path] = hash
                if var candidates = goneByHash[hash], let record = candidates.popLast() {
                    goneByHash[hash] = candidates
                    known.removeValue(forKey: record.path)
                    plan.moved.append((record, entry))
                } else {
                    plan.toEmbed.append(entry)
                }
            }
            plan.removed += known.values
        }
        return plan
    }

    /// Carries out `plan`, embedding with `embedder`. `progress(done, total)` after each batch.
    public func update(_ plan: Plan, embedder: ImageEmbedder?, progress: ((Int, Int) -> Void)? = nil) throws -> Report {
        var report = Report()
        report.unchanged = plan.unchanged
        let moves = plan.moved.map { record, entry -> FileRecord in
            var r = record
            r.path = entry.path; r.size = entry.size; r.mtime = entry.mtime
            return r
        }
        if !moves.isEmpty || !plan.removed.isEmpty {
            try store.commit(embedded: [], other: moves, removed: plan.removed.compactMap(\.id))
            report.moved = moves.count
            report.removed = plan.removed.count
        }
        guard !plan.toEmbed.isEmpty else { return report }
        guard let embedder else { throw CLIPError.invalidArgument("\(plan.toEmbed.count) files need embedding but no image model was given") }
        var start = 0
        while start < plan.toEmbed.count {
            let batch = Array(plan.toEmbed[start..<min(plan.toEmbed.count, start + commitEvery)])
            let results = try embedder.embedEach(files: batch.map(\.path))
            var embedded: [(FileRecord, [Float])] = [], failed: [FileRecord] = []
            for (entry, result) in zip(batch, results) {
                let record = FileRecord(id: nil, path: entry.path, size: entry.size, mtime: entry.mtime,
                                        hash: plan.fingerprints[entry.path] ?? ContentHash.of(entry.path, size: entry.size),
                                        row: nil, error: nil)
                switch result {
                case let .success(vector): embedded.append((record, vector))
                case let .failure(error):
                    var bad = record
                    bad.error = error.inputReason
                    failed.append(bad)
                }
            }
            try store.commit(embedded: embedded, other: failed, removed: [])
            report.embedded += embedded.count
            report.failed += failed.count
            start += batch.count
            progress?(start, plan.toEmbed.count)
        }
        return report
    }
}
