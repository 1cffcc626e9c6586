import CLIP
import Foundation

/// The embedded store as a `LibraryStore`: a folder with a SQLite database and a vector file
/// (`LibraryDatabase`), searched exactly up to `approximateAbove` files and through its HNSW file above.
public final class SQLiteStore: LibraryStore, @unchecked Sendable {
    public let directory: URL
    public let approximateAbove: Int
    /// Bound read-only (`clip library list` and `info`: a library on a read-only mount can be looked at).
    public let readOnly: Bool
    private let lock = NSLock()
    private var bound: LibraryDatabase?

    public init(
        directory: URL, approximateAbove: Int = LibrarySearch.defaultApproximateAbove, readOnly: Bool = false
    ) {
        self.directory = directory
        self.approximateAbove = approximateAbove
        self.readOnly = readOnly
    }

    /// A store over a database already bound (the server's live library indexes through this).
    public init(bound database: LibraryDatabase, approximateAbove: Int = LibrarySearch.defaultApproximateAbove) {
        directory = database.directory
        self.approximateAbove = approximateAbove
        readOnly = database.readOnly
        bound = database
    }

    public var location: String { directory.path }

    /// The bound database (for what only the embedded store does: snapshots, the server's live library).
    public func database() throws -> LibraryDatabase {
        guard let bound = lock.withLock({ bound }) else {
            throw CLIPError.invalidArgument("the library \(directory.path) is not bound to a model yet")
        }
        return bound
    }

    public func bind(_ model: LibraryModel, replacing: Bool) async throws -> LibraryModel? {
        let database = try LibraryDatabase(directory: directory, model: model, readOnly: readOnly, replacing: replacing)
        lock.withLock { bound = database }
        return database.replaced
    }

    public func storedModel() async throws -> LibraryModel? {
        if let bound = lock.withLock({ bound }) { return try bound.storedModel() }
        return try LibraryDatabase.storedModel(in: directory)
    }

    public func folders() async throws -> [String] { try database().folders() }

    public func changeFolders(add: [String], remove: [String]) async throws {
        try database().changeFolders(add: add, remove: remove)
    }

    public func tally(under roots: [String]) async throws -> LibraryTally { try database().tally(under: roots) }

    public func storageBytes() async throws -> Int64? { try database().storageBytes() }

    public func files(under root: String) async throws -> [String: IndexedFile] {
        try database().records(under: root)
    }

    public func commit(embedded: [(IndexedFile, [Float])], other: [IndexedFile], removed: [Int64]) async throws {
        try database().commit(embedded: embedded, other: other, removed: removed)
    }

    public func nearest(_ query: [Float], k: Int, under roots: [String], mode: SearchMode) async throws -> [LibraryHit]
    {
        let database = try self.database()
        let snapshot = try database.snapshot()
        let ranges = snapshot.ranges(under: roots)
        let searched = ranges.reduce(0) { $0 + $1.count }
        var index: LibraryDatabase.ApproximateIndex?
        switch mode {
        case let .approximate(ef), let .reranked(_, ef):
            guard searched > approximateAbove else { break }
            index = try database.approximateIndex()
            if let ef { index?.index.efSearch = ef }
        case .exact: break
        }
        let hits = LibrarySearch.search(
            snapshot, ranges: ranges, query: query, k: k, approximate: index, candidates: mode.candidates(k))
        return hits.map {
            LibraryHit(id: snapshot.entries[$0.index].id, path: snapshot.entries[$0.index].path, score: $0.score)
        }
    }

    public func embeddings(under roots: [String]) async throws -> (files: [(id: Int64, path: String)], vectors: [Float])
    {
        let snapshot = try database().snapshot()
        let indices = snapshot.ranges(under: roots).flatMap { Array($0) }
        return (
            indices.map { (snapshot.entries[$0].id, snapshot.entries[$0].path) },
            indices.flatMap { snapshot.vector($0) }
        )
    }

    /// Each commit takes the library's file lock already; two indexers of one folder may both embed a file
    /// that changed (the second commit wins), which one machine's users do not do.
    public func indexing<T: Sendable>(_ root: String, _ body: @Sendable () async throws -> T) async throws -> T {
        try await body()
    }

    public func tidy(force: Bool) async throws -> String? {
        guard let done = try database().compact(force: force) else { return nil }
        return "compacted the vector file: \(done.before) rows → \(done.after) "
            + "(\(done.before - done.after) orphaned by changed or removed files)"
    }

    public func close() async {}
}
