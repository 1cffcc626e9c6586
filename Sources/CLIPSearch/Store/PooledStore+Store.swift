import CLIP
import Foundation

/// The pool is a store: every call borrows one of its stores for itself. Reads may run twice (a lost
/// connection is replaced once, see `with`), so only reads go through `with`; a write runs once, on one
/// store, and a lost connection is the caller's error.
extension PooledStore: LibraryStore {
    public func bind(_ model: LibraryModel, replacing: Bool) async throws -> LibraryModel? {
        try await once { try await $0.bind(model, replacing: replacing) }
    }

    public func storedModel() async throws -> LibraryModel? { try await with { try await $0.storedModel() } }

    public func folders() async throws -> [String] { try await with { try await $0.folders() } }

    public func changeFolders(add: [String], remove: [String]) async throws {
        try await once { try await $0.changeFolders(add: add, remove: remove) }
    }

    public func files(under root: String) async throws -> [String: IndexedFile] {
        try await with { try await $0.files(under: root) }
    }

    public func commit(embedded: [(IndexedFile, [Float])], other: [IndexedFile], removed: [Int64]) async throws {
        try await once { try await $0.commit(embedded: embedded, other: other, removed: removed) }
    }

    public func nearest(_ query: [Float], k: Int, under roots: [String], mode: SearchMode) async throws -> [LibraryHit]
    {
        try await with { try await $0.nearest(query, k: k, under: roots, mode: mode) }
    }

    public func embeddings(under roots: [String]) async throws -> (files: [(id: Int64, path: String)], vectors: [Float])
    {
        try await with { try await $0.embeddings(under: roots) }
    }

    public func images(ids: [Int64]) async throws -> [Int64: LibraryImage] {
        try await with { try await $0.images(ids: ids) }
    }

    public func count(under roots: [String]) async throws -> Int { try await with { try await $0.count(under: roots) } }

    public func cosines(
        _ queries: [[Float]],
        under roots: [String]
    ) async throws -> (files: [(id: Int64, path: String)], cosines: [Float]) {
        try await with { try await $0.cosines(queries, under: roots) }
    }

    /// Holds one store for the indexer's lock while `body`'s own calls borrow others: each level of nesting
    /// holds one (the indexer's `indexing` → `bulkInsert` → `commit` holds three), so a long-running process
    /// indexes through a store of its own (`LibraryLocation.openLive`), never through its request pool.
    public func indexing<T: Sendable>(_ root: String, _ body: @Sendable () async throws -> T) async throws -> T {
        try await once { try await $0.indexing(root, body) }
    }

    public func bulkInsert<T: Sendable>(rows: Int, _ body: @Sendable () async throws -> T) async throws -> T {
        try await once { try await $0.bulkInsert(rows: rows, body) }
    }

    public func importFiles(_ embedded: [(IndexedFile, [Float])]) async throws {
        try await once { try await $0.importFiles(embedded) }
    }

    public func tidy(force: Bool) async throws -> String? { try await once { try await $0.tidy(force: force) } }

    public func tally(under roots: [String]) async throws -> LibraryTally {
        try await with { try await $0.tally(under: roots) }
    }

    public func storageBytes() async throws -> Int64? { try await with { try await $0.storageBytes() } }
}
