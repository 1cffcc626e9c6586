import CLIP
import Foundation

/// What a long-running process (`clip serve`) asks of its photo library, whichever store holds it: the
/// embedded one through `LiveLibrary` (snapshots in memory, its own HNSW index) or a shared one through
/// `StoreReader` (every question a query to the store: PostgreSQL searches with pgvector). A store that
/// cannot answer throws (the server's 503), and the next call tries again.
public protocol LibraryReader: Sendable {
    /// The library for messages: a folder, or a database URL without its password.
    var location: String { get }

    /// How many embedded images lie at or under `folder` (everywhere when nil).
    func count(folder: String?) async throws -> Int

    /// The `offset`…`offset + k` nearest images to `query` under `folder`, best first, and how many images
    /// the query ranged over.
    func search(_ query: [Float], k: Int, offset: Int, folder: String?) async throws -> (hits: [LibraryHit], searched: Int)

    /// The embedded images among `ids`, by id.
    func images(ids: [Int64]) async throws -> [Int64: LibraryImage]

    /// Every embedded image under `folder`, in path order, with its inner product with each query
    /// (row-major: images × queries).
    func cosines(_ queries: [[Float]], folder: String?) async throws -> (files: [(id: Int64, path: String)], cosines: [Float])

    /// Every embedded image under `folder`, in path order, with its vector (rows of `vectors`).
    func embeddings(folder: String?) async throws -> (files: [(id: Int64, path: String)], vectors: [Float])
}

/// A `LibraryReader` over any store, through a pool of its connections.
public final class StoreReader: LibraryReader, @unchecked Sendable {
    public let pool: BackendPool
    /// How searches use the store's approximate index.
    public let mode: SearchMode

    public init(pool: BackendPool, mode: SearchMode = .approximate(efSearch: nil)) {
        self.pool = pool
        self.mode = mode
    }

    public var location: String { pool.location }

    private func roots(_ folder: String?) -> [String] { folder.map { [$0] } ?? [] }

    public func count(folder: String?) async throws -> Int {
        try await pool.with { try await $0.count(under: roots(folder)) }
    }

    public func search(_ query: [Float], k: Int, offset: Int, folder: String?) async throws -> (hits: [LibraryHit], searched: Int) {
        try await pool.with { store in
            let hits = try await store.nearest(query, k: offset + k, under: roots(folder), mode: mode)
            return (Array(hits.dropFirst(offset)), try await store.count(under: roots(folder)))
        }
    }

    public func images(ids: [Int64]) async throws -> [Int64: LibraryImage] {
        try await pool.with { try await $0.images(ids: ids) }
    }

    public func cosines(_ queries: [[Float]], folder: String?) async throws -> (files: [(id: Int64, path: String)], cosines: [Float]) {
        try await pool.with { try await $0.cosines(queries, under: roots(folder)) }
    }

    public func embeddings(folder: String?) async throws -> (files: [(id: Int64, path: String)], vectors: [Float]) {
        try await pool.with { try await $0.embeddings(under: roots(folder)) }
    }
}
