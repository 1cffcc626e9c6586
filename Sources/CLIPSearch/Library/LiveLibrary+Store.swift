import CLIP
import Foundation

/// The live library is a store like any other, decorating the embedded one: reads answer from its
/// snapshots (its own HNSW index above `approximateAbove`), off the cooperative pool since a refresh reads
/// SQLite; writes go to the database it wraps, whose commit count marks the snapshot stale at once.
extension LiveLibrary: LibraryStore {
    public var location: String { database.directory.path }

    /// The live library stays bound to the model it was opened for: binding that model again changes
    /// nothing, and another one is refused (re-binding means a new database, so open a new live library).
    public func bind(_ model: LibraryModel, replacing: Bool) async throws -> LibraryModel? {
        let bound = LibraryModel(id: database.modelID, dimension: database.dimension)
        guard bound.sameVectors(as: model) else {
            let files = try await tally(under: []).files
            throw LibraryModelMismatch(
                location: location, stored: try database.storedModel() ?? bound, requested: model,
                files: files)
        }
        return nil
    }

    public func storedModel() async throws -> LibraryModel? { try await writer.storedModel() }

    public func folders() async throws -> [String] { try await writer.folders() }

    public func changeFolders(add: [String], remove: [String]) async throws {
        try await writer.changeFolders(add: add, remove: remove)
    }

    public func files(under root: String) async throws -> [String: IndexedFile] { try await writer.files(under: root) }

    public func commit(embedded: [(IndexedFile, [Float])], other: [IndexedFile], removed: [Int64]) async throws {
        try await writer.commit(embedded: embedded, other: other, removed: removed)
    }

    public func indexing<T: Sendable>(_ root: String, _ body: @Sendable () async throws -> T) async throws -> T {
        try await writer.indexing(root, body)
    }

    public func tidy(force: Bool) async throws -> String? { try await writer.tidy(force: force) }

    public func tally(under roots: [String]) async throws -> LibraryTally { try await writer.tally(under: roots) }

    public func storageBytes() async throws -> Int64? { try await writer.storageBytes() }

    public func close() async {}

    // MARK: Reads from the snapshot

    public func nearest(_ query: [Float], k: Int, under roots: [String], mode: SearchMode) async throws -> [LibraryHit]
    {
        try await Blocking.run { [self] in
            let page = try searchSnapshot(query, k: k, under: roots, mode: mode)
            return page.hits.map {
                let entry = page.snapshot.entries[$0.index]
                return LibraryHit(id: entry.id, path: entry.path, score: $0.score)
            }
        }
    }

    public func count(under roots: [String]) async throws -> Int {
        try await Blocking.run { [self] in try current().ranges(under: roots).reduce(0) { $0 + $1.count } }
    }

    public func images(ids: [Int64]) async throws -> [Int64: LibraryImage] {
        try await Blocking.run { [self] in
            let snapshot = try current()
            var images: [Int64: LibraryImage] = [:]
            for id in ids {
                guard let i = snapshot.index(ofID: id) else { continue }
                let entry = snapshot.entries[i]
                images[id] = LibraryImage(id: id, path: entry.path, hash: entry.hash, vector: snapshot.vector(i))
            }
            return images
        }
    }

    public func cosines(
        _ queries: [[Float]],
        under roots: [String]
    ) async throws -> (files: [(id: Int64, path: String)], cosines: [Float]) {
        try await Blocking.run { [self] in
            let snapshot = try current()
            let ranges = snapshot.ranges(under: roots)
            let indices = ranges.flatMap { Array($0) }
            var cosines: [Float] = []
            cosines.reserveCapacity(indices.count * queries.count)
            _ = snapshot.scores(queries, in: ranges) { scores in
                cosines += scores
                return 0
            }
            return (indices.map { (snapshot.entries[$0].id, snapshot.entries[$0].path) }, cosines)
        }
    }

    public func embeddings(under roots: [String]) async throws -> (files: [(id: Int64, path: String)], vectors: [Float])
    {
        try await Blocking.run { [self] in
            let snapshot = try current()
            let indices = snapshot.ranges(under: roots).flatMap { Array($0) }
            let files = indices.map { (id: snapshot.entries[$0].id, path: snapshot.entries[$0].path) }
            return (files, indices.flatMap { snapshot.vector($0) })
        }
    }
}
