import CLIP
import Foundation

/// A library kept open for a long-running process (`clip serve`): any number of concurrent queries read
/// immutable snapshots while one writer indexes. A query sees the library as of its snapshot; the snapshot
/// is replaced after a commit by this process (at once) or by another one (`clip index`, seen through
/// SQLite's `data_version` within 0.2 s). Above `approximateAbove` files, queries go through one HNSW
/// index, brought in step in the background and swapped in whole, never mutated while searched.
/// As a `LibraryStore` it decorates the embedded store: reads from snapshots, writes through `writer`.
public final class LiveLibrary: @unchecked Sendable {
    public let database: LibraryDatabase
    /// The embedded store over the same database: every write goes through it.
    let writer: SQLiteStore
    public let approximateAbove: Int
    private let lock = NSLock()
    private var snapshot: LibrarySnapshot
    private var stale = false
    private var seenVersion: Int
    private var seenCommits: Int
    private var lastCheck = DispatchTime.now()
    private var approximate: LibraryDatabase.ApproximateIndex?
    private var approximateSyncing = false
    private var approximatePending = false
    private let hnswQueue = DispatchQueue(label: "clip-library-hnsw", qos: .utility)

    /// A page of results: snapshot indices with scores, and how many files the query ranged over.
    public struct Page: Sendable {
        public let snapshot: LibrarySnapshot
        public let hits: [(index: Int, score: Float)]
        public let searched: Int
    }

    public init(database: LibraryDatabase, approximateAbove: Int = LibrarySearch.defaultApproximateAbove) throws {
        self.database = database
        self.approximateAbove = approximateAbove
        writer = SQLiteStore(bound: database, approximateAbove: approximateAbove)
        seenVersion = try database.externalVersion()
        seenCommits = database.localCommits
        snapshot = try database.snapshot()
        scheduleApproximateSync(for: snapshot)
    }

    /// The library now (refreshed when it changed; another process's commits are noticed within 0.2 s).
    /// The snapshot is rebuilt outside the lock, so queries keep answering from the old one meanwhile.
    public func current() throws -> LibrarySnapshot {
        let (stale, snapshot) = try lock.withLock { () throws -> (Bool, LibrarySnapshot) in
            if database.localCommits != seenCommits { self.stale = true }
            let now = DispatchTime.now()
            if !self.stale, now.uptimeNanoseconds - lastCheck.uptimeNanoseconds > 200_000_000 {
                lastCheck = now
                if try database.externalVersion() != seenVersion { self.stale = true }
            }
            return (self.stale, self.snapshot)
        }
        guard stale else { return snapshot }
        // What the new snapshot will include at least: read before it is made.
        let (version, commits) = (try database.externalVersion(), database.localCommits)
        let fresh = try database.snapshot()
        lock.withLock {
            if commits >= seenCommits {
                self.snapshot = fresh
                seenVersion = version
                seenCommits = commits
                self.stale = database.localCommits != commits
            }
        }
        scheduleApproximateSync(for: fresh)
        return fresh
    }

    /// Whether queries above `approximateAbove` files go through the HNSW index yet (it is built in the
    /// background).
    public var approximateReady: Bool { lock.withLock { approximate != nil } }

    /// The HNSW index as it stands (nil until the first background build is done).
    var approximateIndex: LibraryDatabase.ApproximateIndex? { lock.withLock { approximate } }

    /// The `offset`…`offset + k` best files under `folder` (everywhere when nil), best first.
    public func search(_ query: [Float], k: Int, offset: Int = 0, folder: String? = nil) throws -> Page {
        let roots = folder.map { [$0] } ?? []
        let page = try searchSnapshot(query, k: offset + k, under: roots, mode: .approximate(efSearch: nil))
        return Page(snapshot: page.snapshot, hits: Array(page.hits.dropFirst(offset)), searched: page.searched)
    }

    /// The `k` best files under `roots` in the current snapshot: through the HNSW index above
    /// `approximateAbove` files once it is built (its own `efSearch`), unless `mode` is exact.
    func searchSnapshot(_ query: [Float], k: Int, under roots: [String], mode: SearchMode) throws -> Page {
        let snapshot = try current()
        let ranges = snapshot.ranges(under: roots)
        let searched = ranges.reduce(0) { $0 + $1.count }
        let index = searched > approximateAbove && mode != .exact ? approximateIndex : nil
        let hits = LibrarySearch.search(
            snapshot, ranges: ranges, query: query, k: k, approximate: index, candidates: mode.candidates(k))
        return Page(snapshot: snapshot, hits: hits, searched: searched)
    }

    /// Brings the HNSW index in step with the library off the request path (a large library's first build
    /// takes minutes); until it is ready, queries scan exactly. A change during a build is caught by one
    /// more build right after it.
    private func scheduleApproximateSync(for snapshot: LibrarySnapshot) {
        guard snapshot.count > approximateAbove else { return }
        let start: Bool = lock.withLock {
            if approximateSyncing {
                approximatePending = true
                return false
            }
            approximateSyncing = true
            return true
        }
        guard start else { return }
        hnswQueue.async { [self] in
            while true {
                let index = try? database.approximateIndex()
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
}
