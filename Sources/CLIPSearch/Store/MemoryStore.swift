import CLIP
import Foundation

/// A library in memory, with the same semantics as the stored ones: the indexer and search tests run
/// against it fast, and it is the simplest statement of what a store must do.
public final class MemoryStore: LibraryStore, @unchecked Sendable {
    private let lock = NSLock()
    private var model: LibraryModel?
    private var folderSet: Set<String> = []
    private var records: [Int64: IndexedFile] = [:]
    private var vectors: [Int64: [Float]] = [:]
    private var nextID: Int64 = 1
    private var roots: [String: NSLock] = [:]

    public init() {}

    public var location: String { "memory" }

    public func bind(_ requested: LibraryModel, replacing: Bool) async throws -> LibraryModel? {
        try lock.withLock {
            guard let previous = model, !previous.sameVectors(as: requested) else {
                if model == nil || model?.spec == nil { model = requested }
                return nil
            }
            guard replacing else {
                throw LibraryModelMismatch(
                    location: location, stored: previous, requested: requested, files: records.count)
            }
            model = requested
            vectors.removeAll()
            for key in records.keys {
                records[key]!.embedded = false
                records[key]!.error = nil
            }
            return previous
        }
    }

    public func storedModel() async throws -> LibraryModel? { lock.withLock { model } }

    public func folders() async throws -> [String] { lock.withLock { folderSet.sorted() } }

    public func changeFolders(add: [String], remove: [String]) async throws {
        lock.withLock {
            folderSet.subtract(remove)
            folderSet.formUnion(add)
        }
    }

    public func files(under root: String) async throws -> [String: IndexedFile] {
        lock.withLock {
            Dictionary(
                records.values.filter { path($0.path, isUnder: [root]) }.map { ($0.path, $0) },
                uniquingKeysWith: { a, _ in a })
        }
    }

    public func commit(embedded: [(IndexedFile, [Float])], other: [IndexedFile], removed: [Int64]) async throws {
        try lock.withLock {
            guard let model else { throw CLIPError.invalidArgument("the library is not bound to a model") }
            try checkDimensions(embedded, model.dimension, library: location)
            for (file, vector) in embedded {
                let id = store(file, embedded: true, error: nil)
                vectors[id] = vector
            }
            for file in other {
                let id = store(
                    file, embedded: file.error == nil && (file.id.flatMap { vectors[$0] } != nil), error: file.error)
                if file.error != nil { vectors[id] = nil }
            }
            for id in removed {
                records[id] = nil
                vectors[id] = nil
            }
        }
    }

    /// Inserts or updates by id, else by path; returns the id.
    private func store(_ file: IndexedFile, embedded: Bool, error: String?) -> Int64 {
        let id =
            file.id ?? records.values.first { $0.path == file.path }?.id
            ?? {
                nextID += 1
                return nextID - 1
            }()
        var record = file
        record.id = id
        record.embedded = embedded
        record.error = error
        records[id] = record
        return id
    }

    public func nearest(_ query: [Float], k: Int, under roots: [String], mode: SearchMode) async throws -> [LibraryHit]
    {
        lock.withLock {
            vectors.compactMap { id, vector -> LibraryHit? in
                guard let record = records[id], path(record.path, isUnder: roots) else { return nil }
                return LibraryHit(id: id, path: record.path, score: zip(query, vector).reduce(0) { $0 + $1.0 * $1.1 })
            }
            .sorted { $0.score > $1.score || ($0.score == $1.score && $0.id < $1.id) }
            .prefix(k).map { $0 }
        }
    }

    public func embeddings(under roots: [String]) async throws -> (files: [(id: Int64, path: String)], vectors: [Float])
    {
        lock.withLock {
            let chosen = vectors.keys.compactMap { records[$0] }.filter { path($0.path, isUnder: roots) }
                .sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
            return (chosen.map { ($0.id!, $0.path) }, chosen.flatMap { vectors[$0.id!]! })
        }
    }

    public func indexing<T: Sendable>(_ root: String, _ body: @Sendable () async throws -> T) async throws -> T {
        try await body()
    }

    public func close() async {}
}
