import CLIP
import Foundation

/// A file as every library store records it: plain data keyed by the store's id for it.
public struct IndexedFile: Sendable, Equatable {
    /// The store's id (nil until stored). Stable while the record lives: a move keeps it.
    public var id: Int64?
    public var path: String
    public var size: Int64
    public var mtime: Double
    /// sha256 of the size and the first and last 64 KiB: recognises a moved file without reading it all.
    public var hash: String
    /// Whether it has a vector for the model the library is bound to.
    public var embedded: Bool
    /// Why the file could not be used; not retried while size and mtime stay the same.
    public var error: String?

    public init(
        id: Int64? = nil, path: String, size: Int64, mtime: Double, hash: String, embedded: Bool = false,
        error: String? = nil
    ) {
        self.id = id
        self.path = path
        self.size = size
        self.mtime = mtime
        self.hash = hash
        self.embedded = embedded
        self.error = error
    }
}

/// A search answer from a store.
public struct LibraryHit: Sendable, Equatable {
    public let id: Int64
    public let path: String
    public let score: Float
}

/// An embedded file with what serving it needs: its content fingerprint (thumbnails are cached by it)
/// and its vector.
public struct LibraryImage: Sendable, Equatable {
    public let id: Int64
    public let path: String
    public let hash: String
    public let vector: [Float]

    public init(id: Int64, path: String, hash: String, vector: [Float]) {
        self.id = id
        self.path = path
        self.hash = hash
        self.vector = vector
    }
}

/// How a store searches: through its approximate index (`efSearch` candidates, the store's default when
/// nil); through it for `candidates` results that are then ordered by their exact scores and cut to k
/// (re-ranking: more of the true top k, in their true order); or by scanning every vector.
public enum SearchMode: Sendable, Equatable {
    case approximate(efSearch: Int?)
    case reranked(candidates: Int, efSearch: Int?)
    case exact

    /// How many results the approximate index is asked for, for `k` wanted.
    func candidates(_ k: Int) -> Int {
        if case let .reranked(candidates, _) = self { return max(k, candidates) }
        return k
    }
}

/// Where a library lives: the embedded SQLite store (one machine), PostgreSQL + pgvector (shared by many
/// indexers and servers), or memory (tests). The indexer, search and near-duplicates talk to this.
///
/// Async throughout because PostgreSQL's client is. Binding a model is an explicit step: a store opens
/// without one, `bind` says which model's vectors it holds, and binding another model is refused unless
/// the caller says to replace it, which clears them (every file is embedded again: hours on a real library;
/// never two vector spaces, never a dimension mismatch).
public protocol LibraryStore: AnyObject, Sendable {
    /// The library for messages: a folder, or a database URL without its password.
    var location: String { get }

    /// Binds the library to a model (its identity and dimension; its spec is recorded, also into a library
    /// of the same model that lacks one). When the library holds another model's vectors: with `replacing`,
    /// they are dropped and that model is returned; without, nothing changes and `LibraryModelMismatch`
    /// is thrown.
    func bind(_ model: LibraryModel, replacing: Bool) async throws -> LibraryModel?

    /// The model the stored vectors belong to, read without binding or changing anything; nil for a new
    /// library.
    func storedModel() async throws -> LibraryModel?

    /// The folders the library was asked to index (none inside another; see `LibraryFolders`), sorted.
    func folders() async throws -> [String]

    /// Records folders as indexed, and forgets others (their files are not touched).
    func changeFolders(add: [String], remove: [String]) async throws

    /// Records of the files at or under `root` (a standardised absolute path), by path.
    func files(under root: String) async throws -> [String: IndexedFile]

    /// One crash-safe step of indexing: `embedded` files get their vectors, `other` records are stored as
    /// they are (moves keep their vectors; files that failed lose theirs), `removed` ids are deleted. All
    /// of it or nothing.
    func commit(embedded: [(IndexedFile, [Float])], other: [IndexedFile], removed: [Int64]) async throws

    /// The `k` embedded files under `roots` (everywhere when empty) with the highest inner product with
    /// `query`, best first.
    func nearest(_ query: [Float], k: Int, under roots: [String], mode: SearchMode) async throws -> [LibraryHit]

    /// Every embedded file under `roots` with its vector (rows of `vectors`, `dimension` floats each), in
    /// path order.
    func embeddings(under roots: [String]) async throws -> (files: [(id: Int64, path: String)], vectors: [Float])

    /// The embedded files among `ids`, by id (ids the store does not hold, or holds without a vector, are
    /// left out).
    func images(ids: [Int64]) async throws -> [Int64: LibraryImage]

    /// How many embedded files lie under `roots` (everywhere when empty).
    func count(under roots: [String]) async throws -> Int

    /// Every embedded file under `roots`, in path order, with its inner product with each of `queries`
    /// (`cosines` row-major, files × queries): ranking scans it all, so a store with SQL computes it there.
    func cosines(_ queries: [[Float]], under roots: [String]) async throws -> (
        files: [(id: Int64, path: String)], cosines: [Float]
    )

    /// Runs `body` as the only indexer of `root`: a second indexer of the same folder waits, then finds
    /// the work done, so no file is embedded twice.
    func indexing<T: Sendable>(_ root: String, _ body: @Sendable () async throws -> T) async throws -> T

    /// Runs `body`, which is about to add `rows` vectors: a store whose index is cheaper to build after a
    /// bulk load than to maintain row by row (pgvector's HNSW) may set it aside meanwhile.
    func bulkInsert<T: Sendable>(rows: Int, _ body: @Sendable () async throws -> T) async throws -> T

    /// Stores files with their vectors as `commit` does, in one go (`clip library export`: a store with a
    /// faster bulk path, PostgreSQL's COPY, uses it).
    func importFiles(_ embedded: [(IndexedFile, [Float])]) async throws

    /// Housekeeping after indexing (with `force`, whatever there is to do: `clip index --compact`); what it
    /// did, for a message, or nil. The folder store compacts its append-only vector file; PostgreSQL's
    /// autovacuum needs no help.
    func tidy(force: Bool) async throws -> String?

    /// How many files lie under `roots` (everywhere when empty): all, embedded, failed.
    func tally(under roots: [String]) async throws -> LibraryTally

    /// What the library takes on disk (the folder store's files, PostgreSQL's tables and indexes), when
    /// the store can tell.
    func storageBytes() async throws -> Int64?

    /// Lets go of connections and files.
    func close() async
}

extension LibraryStore {
    /// `bind` by identity and dimension alone; the replaced model's identity.
    @discardableResult
    public func bind(model: String, dimension: Int, replacing: Bool = false) async throws -> String? {
        try await bind(LibraryModel(id: model, dimension: dimension), replacing: replacing)?.id
    }

    /// Records `roots` (folders about to be indexed) among the library's folders.
    public func recordFolders(_ roots: [String]) async throws {
        let change = LibraryFolders.merge(try await folders(), adding: roots)
        if !change.add.isEmpty || !change.remove.isEmpty {
            try await changeFolders(add: change.add, remove: change.remove)
        }
    }

    public func tally(under roots: [String]) async throws -> LibraryTally {
        var tally = LibraryTally()
        var seen = Set<String>()
        for root in roots.isEmpty ? ["/"] : roots {
            for file in try await files(under: root).values where seen.insert(file.path).inserted {
                tally.files += 1
                if file.embedded { tally.embedded += 1 }
                if file.error != nil { tally.failed += 1 }
            }
        }
        return tally
    }

    public func storageBytes() async throws -> Int64? { nil }

    public func bulkInsert<T: Sendable>(rows: Int, _ body: @Sendable () async throws -> T) async throws -> T {
        try await body()
    }

    public func importFiles(_ embedded: [(IndexedFile, [Float])]) async throws {
        try await commit(embedded: embedded, other: [], removed: [])
    }

    public func tidy(force: Bool) async throws -> String? { nil }

    public func images(ids: [Int64]) async throws -> [Int64: LibraryImage] {
        let wanted = Set(ids)
        var records: [Int64: IndexedFile] = [:]
        for file in try await files(under: "/").values where file.embedded && wanted.contains(file.id ?? -1) {
            records[file.id!] = file
        }
        guard !records.isEmpty else { return [:] }
        let (files, vectors) = try await embeddings(under: records.values.map(\.path))
        let d = vectors.count / max(1, files.count)
        var images: [Int64: LibraryImage] = [:]
        for (i, file) in files.enumerated() where records[file.id] != nil {
            images[file.id] = LibraryImage(
                id: file.id, path: file.path, hash: records[file.id]!.hash,
                vector: Array(vectors[(i * d)..<((i + 1) * d)]))
        }
        return images
    }

    public func count(under roots: [String]) async throws -> Int { try await embeddings(under: roots).files.count }

    public func cosines(_ queries: [[Float]], under roots: [String]) async throws -> (
        files: [(id: Int64, path: String)], cosines: [Float]
    ) {
        let (files, vectors) = try await embeddings(under: roots)
        let d = vectors.count / max(1, files.count)
        var cosines = [Float](repeating: 0, count: files.count * queries.count)
        for i in files.indices {
            for (j, query) in queries.enumerated() {
                var dot: Float = 0
                for k in 0..<d { dot += vectors[i * d + k] * query[k] }
                cosines[i * queries.count + j] = dot
            }
        }
        return (files, cosines)
    }

    /// Files that could not be used, in path order.
    public func failures(under roots: [String]) async throws -> [IndexedFile] {
        var failed: [IndexedFile] = []
        for root in roots { failed += try await files(under: root).values.filter { $0.error != nil } }
        return failed.sorted { $0.path < $1.path }
    }
}

/// Whether `path` is `root` or lies under the folder `root` (every root when `roots` is empty).
func path(_ path: String, isUnder roots: [String]) -> Bool {
    roots.isEmpty || roots.contains { path == $0 || path.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") }
}

/// Every store refuses a vector of another size than the library's model makes: never a dimension mismatch.
func checkDimensions(_ embedded: [(IndexedFile, [Float])], _ dimension: Int, library: String) throws {
    if let bad = embedded.first(where: { $0.1.count != dimension }) {
        throw CLIPError.invalidArgument("a \(bad.1.count)-float vector for the \(dimension)-d library \(library)")
    }
}
