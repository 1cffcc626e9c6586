import CLIP
import Foundation

/// Brings a library up to date with folders: new and changed files (size + mtime) are embedded, moved files
/// (same content fingerprint) keep their vectors, deleted ones are dropped, files that failed are not retried
/// until they change. Work is committed in batches, so a kill loses at most the batch in flight. Works on
/// any `LibraryStore`; decoding and the model run on Dispatch's threads, not Swift's cooperative pool.
public struct Indexer: Sendable {
    public let library: any LibraryStore
    public var scanner: FileScanner
    /// Files per committed batch.
    public var commitEvery: Int

    public struct Plan: Sendable {
        /// Files to embed (new, changed, or never embedded with this model).
        public var toEmbed: [FileScanner.Entry] = []
        /// Moves: the existing record and where its file is now.
        public var moved: [(IndexedFile, FileScanner.Entry)] = []
        /// Records whose files are gone.
        public var removed: [IndexedFile] = []
        /// Fingerprints already taken while planning (new paths), so embedding does not read them again.
        var fingerprints: [String: String] = [:]
        public var unchanged = 0
        /// Roots that hold no image file, with what they hold instead ("no images: skipped 12 other files …").
        public var withoutImages: [String: String] = [:]
        public var isEmpty: Bool { toEmbed.isEmpty && moved.isEmpty && removed.isEmpty }

        mutating func add(_ other: Plan) {
            toEmbed += other.toEmbed
            moved += other.moved
            removed += other.removed
            unchanged += other.unchanged
            fingerprints.merge(other.fingerprints) { a, _ in a }
            withoutImages.merge(other.withoutImages) { a, _ in a }
        }
    }

    public struct Report: Sendable {
        public var embedded = 0, failed = 0, moved = 0, removed = 0, unchanged = 0
        /// Roots without a single image file, with what they hold instead (from the plan).
        public var withoutImages: [String: String] = [:]
        /// What the store tidied afterwards (the folder store's compaction), for a message.
        public var housekeeping: String?

        mutating func add(_ other: Report) {
            embedded += other.embedded
            failed += other.failed
            moved += other.moved
            removed += other.removed
            unchanged += other.unchanged
        }
    }

    public init(library: any LibraryStore, scanner: FileScanner = FileScanner(), commitEvery: Int = 64) {
        self.library = library
        self.scanner = scanner
        self.commitEvery = commitEvery
    }

    /// What `update` would do; only `stat`s files (and fingerprints new ones to recognise moves).
    public func plan(roots: [String]) async throws -> Plan {
        var plan = Plan()
        for root in roots {
            let folder = URL(fileURLWithPath: root).standardizedFileURL.path
            var skipped = FileScanner.Skipped()
            let entries = try scanner.scan(folder, skipped: &skipped)
            if entries.isEmpty { plan.withoutImages[folder] = ImageFiles.noImages(skipped) }
            var known = try await library.files(under: folder)
            var fresh: [FileScanner.Entry] = []
            for entry in entries {
                guard let record = known.removeValue(forKey: entry.path) else {
                    fresh.append(entry)
                    continue
                }
                let same = record.size == entry.size && record.mtime == entry.mtime
                if same && (record.embedded || record.error != nil) {
                    plan.unchanged += 1
                } else {
                    plan.toEmbed.append(entry)
                }
            }
            // What is left in `known` is gone from disk, unless a new path holds the same content.
            var goneByHash = Dictionary(grouping: known.values.filter(\.embedded), by: \.hash)
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

    /// Carries out `plan`, embedding with `embedder`. `progress(done, total)` after each of the embedder's batches.
    public func update(_ plan: Plan, embedder: ImageEmbedder?, progress: (@Sendable (Int, Int) -> Void)? = nil)
        async throws -> Report
    {
        var report = Report()
        report.unchanged = plan.unchanged
        let moves = plan.moved.map { record, entry -> IndexedFile in
            var r = record
            r.path = entry.path
            r.size = entry.size
            r.mtime = entry.mtime
            return r
        }
        if !moves.isEmpty || !plan.removed.isEmpty {
            try await library.commit(embedded: [], other: moves, removed: plan.removed.compactMap(\.id))
            report.moved = moves.count
            report.removed = plan.removed.count
        }
        guard !plan.toEmbed.isEmpty else { return report }
        guard let embedder else {
            throw CLIPError.invalidArgument("\(plan.toEmbed.count) files need embedding but no image model was given")
        }
        // Batch k is committed while batch k + 1 is decoded and embedded: a store whose commit costs time
        // (PostgreSQL maintains its HNSW index on insert) hides it behind the model. Commits stay in order
        // and each is atomic, so a kill still loses at most the batches in flight.
        var pending: Task<(embedded: Int, failed: Int), Error>?
        func settle() async throws {
            guard let finished = try await pending?.value else { return }
            report.embedded += finished.embedded
            report.failed += finished.failed
        }
        var start = 0
        while start < plan.toEmbed.count {
            let batch = Array(plan.toEmbed[start..<min(plan.toEmbed.count, start + commitEvery)])
            let results: [Result<[Float], CLIPError>]
            do {
                // Progress after each of the embedder's batches, not only each commit: the first report comes
                // after 4 files, not after `commitEvery`.
                let offset = start, total = plan.toEmbed.count
                results = try await Blocking.run {
                    try embedder.embedEach(files: batch.map(\.path), firstBatch: offset == 0 ? 4 : nil) {
                        progress?(offset + $0, total)
                    }
                }
            } catch {
                _ = try? await pending?.value  // the batch before is still committed (or fails on its own)
                throw error
            }
            var embedded: [(IndexedFile, [Float])] = [], failed: [IndexedFile] = []
            for (entry, result) in zip(batch, results) {
                var file = IndexedFile(
                    path: entry.path, size: entry.size, mtime: entry.mtime,
                    hash: plan.fingerprints[entry.path] ?? ContentHash.of(entry.path, size: entry.size))
                switch result {
                case let .success(vector): embedded.append((file, vector))
                case let .failure(error):
                    file.error = error.inputReason
                    failed.append(file)
                }
            }
            try await settle()
            start += batch.count
            let library = self.library
            pending = Task { [embedded, failed] in
                try await library.commit(embedded: embedded, other: failed, removed: [])
                return (embedded.count, failed.count)
            }
        }
        try await settle()
        return report
    }

    /// Brings `roots` up to date, each as its only indexer (`LibraryStore.indexing`): plans (only `stat`s
    /// unchanged files), then embeds what changed. `makeEmbedder` is called only when some file needs
    /// embedding, so an up-to-date library never loads the image tower. `progress(done, total)` is told
    /// `(0, total)` before a folder's first file and after each committed batch.
    public func update(
        roots: [String], makeEmbedder: @escaping @Sendable () throws -> ImageEmbedder,
        progress: (@Sendable (Int, Int) -> Void)? = nil
    ) async throws -> (plan: Plan, report: Report) {
        let embedder = LazyEmbedder(make: makeEmbedder)
        var plan = Plan(), report = Report()
        for root in roots {
            let folder = URL(fileURLWithPath: root).standardizedFileURL.path
            let (rootPlan, rootReport) = try await library.indexing(folder) { [self] in
                let rootPlan = try await self.plan(roots: [folder])
                // Scanned: a folder of the library now (`clip library list` shows it).
                try await library.recordFolders([folder])
                let model = rootPlan.toEmbed.isEmpty ? nil : try embedder.get()
                if !rootPlan.toEmbed.isEmpty { progress?(0, rootPlan.toEmbed.count) }
                let report = try await library.bulkInsert(rows: rootPlan.toEmbed.count) {
                    try await self.update(rootPlan, embedder: model, progress: progress)
                }
                return (rootPlan, report)
            }
            plan.add(rootPlan)
            report.add(rootReport)
        }
        report.withoutImages = plan.withoutImages
        // Changed and removed files leave orphaned vectors behind in the folder store: compacted once
        // there are enough of them.
        if report.embedded + report.removed > 0 { report.housekeeping = try await library.tidy(force: false) }
        return (plan, report)
    }

    /// Drops the files at or under `folder` from the library with their vectors, the way indexing drops
    /// deleted files, and forgets the library's folders at or under it (`clip library remove`). Nothing
    /// on disk outside the library is touched.
    public func remove(folder: String) async throws -> Report {
        let root = URL(fileURLWithPath: folder).standardizedFileURL.path
        var report = try await library.indexing(root) { [self] in
            var plan = Plan()
            plan.removed = try await library.files(under: root).values.sorted { $0.path < $1.path }
            return try await update(plan, embedder: nil)
        }
        let forgotten = try await library.folders().filter { path($0, isUnder: [root]) }
        if !forgotten.isEmpty { try await library.changeFolders(add: [], remove: forgotten) }
        if report.removed > 0 { report.housekeeping = try await library.tidy(force: false) }
        return report
    }
}

/// Makes the image embedder on first use only (loading the image tower costs time and memory).
private final class LazyEmbedder: @unchecked Sendable {
    private let make: @Sendable () throws -> ImageEmbedder
    private let lock = NSLock()
    private var made: ImageEmbedder?

    init(make: @escaping @Sendable () throws -> ImageEmbedder) { self.make = make }

    func get() throws -> ImageEmbedder {
        try lock.withLock {
            if let made { return made }
            let embedder = try make()
            made = embedder
            return embedder
        }
    }
}
