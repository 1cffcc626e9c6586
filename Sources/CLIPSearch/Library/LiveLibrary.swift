import CLIP
import Foundation

/// A library kept open for a long-running process (`clip serve`): any number of concurrent queries read
/// immutable snapshots while one writer indexes. A query sees the library as of its snapshot; the snapshot
/// is replaced after a commit by this process (at once) or by another one (`clip index`, seen through
/// SQLite's `data_version` within 0.2 s). Above `approximateAbove` files, queries go through one HNSW
/// index, brought in step in the background and swapped in whole, never mutated while searched.
public final class LiveLibrary: @unchecked Sendable {
    public let store: LibraryStore
    public let approximateAbove: Int
    private let lock = NSLock()
    private var snapshot: LibrarySnapshot
    private var stale = false
    private var seenVersion: Int
    private var seenCommits: Int
    private var lastCheck = DispatchTime.now()
    private var approximate: HNSWIndex?
    private var approximateSyncing = false
    private var approximatePending = false
    private var status = IndexStatus()
    private let hnswQueue = DispatchQueue(label: "clip-library-hnsw", qos: .utility)

    /// What the indexer is doing, for `/v1/index/status`.
    public struct IndexStatus: Sendable, Equatable {
        public enum State: String, Sendable { case idle, scanning, indexing }
        public var state = State.idle
        /// Files embedded so far in this pass, of `total` to embed.
        public var done = 0
        public var total = 0
        /// The last finished pass (nil before the first).
        public var embedded: Int?
        public var failed: Int?
        public var removed: Int?
        /// Why the last pass stopped early, if it did.
        public var error: String?
        public var finishedAt: Date?
    }

    /// A page of results: snapshot indices with scores, and how many files the query ranged over.
    public struct Page: Sendable {
        public let snapshot: LibrarySnapshot
        public let hits: [(index: Int, score: Float)]
        public let searched: Int
    }

    public init(store: LibraryStore, approximateAbove: Int = LibrarySearch.defaultApproximateAbove) throws {
        self.store = store
        self.approximateAbove = approximateAbove
        seenVersion = try store.externalVersion()
        seenCommits = store.localCommits
        snapshot = try store.snapshot()
        scheduleApproximateSync(for: snapshot)
    }

    /// The library now (refreshed when it changed; another process's commits are noticed within 0.2 s).
    /// The snapshot is rebuilt outside the lock, so queries keep answering from the old one meanwhile.
    public func current() throws -> LibrarySnapshot {
        let (stale, snapshot) = try lock.withLock { () throws -> (Bool, LibrarySnapshot) in
            if store.localCommits != seenCommits { self.stale = true }
            let now = DispatchTime.now()
            if !self.stale, now.uptimeNanoseconds - lastCheck.uptimeNanoseconds > 200_000_000 {
                lastCheck = now
                if try store.externalVersion() != seenVersion { self.stale = true }
            }
            return (self.stale, self.snapshot)
        }
        guard stale else { return snapshot }
        // What the new snapshot will include at least: read before it is made.
        let (version, commits) = (try store.externalVersion(), store.localCommits)
        let fresh = try store.snapshot()
        lock.withLock {
            if commits >= seenCommits {
                self.snapshot = fresh
                seenVersion = version
                seenCommits = commits
                self.stale = store.localCommits != commits
            }
        }
        scheduleApproximateSync(for: fresh)
        return fresh
    }

    /// Whether queries above `approximateAbove` files go through the HNSW index yet (it is built in the
    /// background).
    public var approximateReady: Bool { lock.withLock { approximate != nil } }

    /// The `offset`…`offset + k` best files under `folder` (everywhere when nil), best first.
    public func search(_ query: [Float], k: Int, offset: Int = 0, folder: String? = nil) throws -> Page {
        let snapshot = try current()
        let ranges = snapshot.ranges(under: folder.map { [$0] } ?? [])
        let searched = ranges.reduce(0) { $0 + $1.count }
        let index = searched > approximateAbove ? lock.withLock { approximate } : nil
        let hits = LibrarySearch.search(snapshot, ranges: ranges, query: query, k: offset + k, approximate: index)
        return Page(snapshot: snapshot, hits: Array(hits.dropFirst(offset)), searched: searched)
    }

    /// Brings the HNSW index in step with the library off the request path (a large library's first build
    /// takes minutes); until it is ready, queries scan exactly. A change during a build is caught by one
    /// more build right after it.
    private func scheduleApproximateSync(for snapshot: LibrarySnapshot) {
        guard snapshot.count > approximateAbove else { return }
        let start: Bool = lock.withLock {
            if approximateSyncing { approximatePending = true; return false }
            approximateSyncing = true
            return true
        }
        guard start else { return }
        hnswQueue.async { [self] in
            while true {
                let index = try? store.approximateIndex()
                let again: Bool = lock.withLock {
                    if let index { approximate = index }
                    let again = approximatePending
                    approximatePending = false
                    if !again { approximateSyncing = false }
                    return again
                }
                if !again { return }
            }
        }
    }

    // MARK: Indexing

    public var indexStatus: IndexStatus { lock.withLock { status } }

    /// Indexes `roots` in the background (one pass at a time: false when one is running; decoding and the
    /// model run on Dispatch's threads). Searches see each committed batch.
    @discardableResult
    public func startIndexing(roots: [String], scanner: FileScanner = FileScanner(), commitEvery: Int = 64,
                              makeEmbedder: @escaping @Sendable () throws -> ImageEmbedder,
                              finished: (@Sendable (Result<Indexer.Report, Error>) -> Void)? = nil) -> Bool {
        let started: Bool = lock.withLock {
            guard status.state == .idle else { return false }
            status.state = .scanning
            status.done = 0
            status.total = 0
            return true
        }
        guard started else { return false }
        let indexer = Indexer(library: SQLiteLibrary(bound: store), scanner: scanner, commitEvery: commitEvery)
        Task.detached { [self] in
            let result: Result<Indexer.Report, Error>
            do {
                result = .success(try await indexer.update(roots: roots, makeEmbedder: makeEmbedder) { done, total in
                    self.lock.withLock {
                        self.status.state = .indexing
                        self.status.done = done
                        self.status.total = total
                    }
                }.report)
            } catch {
                result = .failure(error)
            }
            lock.withLock {
                status.state = .idle
                status.finishedAt = Date()
                switch result {
                case let .success(report):
                    status.embedded = report.embedded
                    status.failed = report.failed
                    status.removed = report.removed
                    status.error = nil
                case let .failure(error):
                    status.error = (error as? CLIPError)?.description ?? "\(error)"
                }
            }
            finished?(result)
        }
        return true
    }
}
