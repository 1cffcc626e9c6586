import CLIP
import Foundation

/// The embedded library answers from its snapshots, off the cooperative pool (a refresh reads SQLite).
extension LiveLibrary: LibraryReader {
    public var location: String { store.directory.path }

    private func ranges(_ snapshot: LibrarySnapshot, _ folder: String?) -> [Range<Int>] {
        snapshot.ranges(under: folder.map { [$0] } ?? [])
    }

    public func count(folder: String?) async throws -> Int {
        try await Blocking.run { [self] in ranges(try current(), folder).reduce(0) { $0 + $1.count } }
    }

    public func search(_ query: [Float], k: Int, offset: Int, folder: String?) async throws -> (hits: [LibraryHit], searched: Int) {
        try await Blocking.run { [self] in
            let page = try search(query, k: k, offset: offset, folder: folder)
            return (page.hits.map { LibraryHit(id: page.snapshot.entries[$0.index].id, path: page.snapshot.entries[$0.index].path, score: $0.score) },
                    page.searched)
        }
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

    public func cosines(_ queries: [[Float]], folder: String?) async throws -> (files: [(id: Int64, path: String)], cosines: [Float]) {
        try await Blocking.run { [self] in
            let snapshot = try current()
            let indices = ranges(snapshot, folder).flatMap { Array($0) }
            var cosines: [Float] = []
            cosines.reserveCapacity(indices.count * queries.count)
            _ = snapshot.scores(queries, in: ranges(snapshot, folder)) { cosines += $0; return 0 }
            return (indices.map { (snapshot.entries[$0].id, snapshot.entries[$0].path) }, cosines)
        }
    }

    public func embeddings(folder: String?) async throws -> (files: [(id: Int64, path: String)], vectors: [Float]) {
        try await Blocking.run { [self] in
            let snapshot = try current()
            let indices = ranges(snapshot, folder).flatMap { Array($0) }
            return (indices.map { (snapshot.entries[$0].id, snapshot.entries[$0].path) }, indices.flatMap { snapshot.vector($0) })
        }
    }
}
