import CLIP
import Foundation

/// The model a library's vectors belong to: its identity (`LoadedModel.id`: the weights, the architecture
/// of an open_clip file, the precision), which decides whether stored vectors are still valid; the
/// dimension; and how to load it again (`ModelSpec`: nil for a library from before libraries recorded it).
public struct LibraryModel: Sendable, Equatable {
    public var id: String
    public var dimension: Int
    public var spec: ModelSpec?

    public init(id: String, dimension: Int, spec: ModelSpec? = nil) {
        self.id = id
        self.dimension = dimension
        self.spec = spec
    }

    public init(_ loaded: LoadedModel) {
        self.init(id: loaded.id, dimension: loaded.model.config.embedDim, spec: loaded.spec)
    }

    /// Whether vectors made by `other` belong with these (the spec, how it was found, does not matter).
    public func sameVectors(as other: LibraryModel) -> Bool { id == other.id && dimension == other.dimension }

    /// For messages: how it was named (`synthetic-shapes`, `ViT-B-32 precision int8`), else its identity.
    public var name: String { spec?.description ?? id }

    /// The precision its vectors were made at: the spec's, else the one the identity names (fp32 when none).
    public var precision: String {
        if let spec { return spec.precision.rawValue }
        guard let range = id.range(of: " precision ", options: .backwards) else { return Precision.fp32.rawValue }
        return String(id[range.upperBound...])
    }
}

/// Binding a library to another model than the one its vectors belong to, without `replacing`: nothing
/// was changed. Says which model the library has, which was asked for, and how many files re-indexing
/// would embed again.
public struct LibraryModelMismatch: Error, CustomStringConvertible, Sendable {
    public let location: String
    public let stored: LibraryModel
    public let requested: LibraryModel
    /// Every file of the library (those that could not be used are tried again too).
    public let files: Int

    public init(location: String, stored: LibraryModel, requested: LibraryModel, files: Int) {
        self.location = location
        self.stored = stored
        self.requested = requested
        self.files = files
    }

    public var description: String {
        """
            the library \(location) was built with \(stored.name), not \(requested.name): re-indexing it with \
            \(requested.name) embeds all \(files) files in it again
            """
    }
}

/// How many files a library holds under some folders: all of them, those with a vector, those that could
/// not be used.
public struct LibraryTally: Sendable, Equatable {
    public var files = 0, embedded = 0, failed = 0

    public init(files: Int = 0, embedded: Int = 0, failed: Int = 0) {
        self.files = files
        self.embedded = embedded
        self.failed = failed
    }
}

/// The folders a library was asked to index (`clip index DIR`, `clip search … DIR`), kept as a set in which
/// no folder lies inside another: `clip library list` shows them, `clip library remove` drops one.
public enum LibraryFolders {
    /// What to add to and remove from `existing` so that it takes in `roots`: a root inside a folder already
    /// there adds nothing; a root around folders already there takes their place.
    public static func merge(_ existing: [String], adding roots: [String]) -> (add: [String], remove: [String]) {
        var folders = Set(existing)
        for root in roots where !folders.contains(where: { path(root, isUnder: [$0]) }) {
            folders = folders.filter { !path($0, isUnder: [root]) }
            folders.insert(root)
        }
        return (folders.subtracting(existing).sorted(), Set(existing).subtracting(folders).sorted())
    }

    /// The smallest set of folders holding `paths` (files): their parent folders, less those inside another.
    public static func enclosing(_ paths: [String]) -> [String] {
        let parents = Set(paths.map { ($0 as NSString).deletingLastPathComponent })
        return merge([], adding: parents.sorted { $0.count < $1.count }).add
    }

    /// The folders of `library`: those it was asked to index, and, for files outside all of them (indexed by
    /// a version that did not record its folders), the folders that hold them.
    public static func listed(in library: any LibraryStore) async throws -> [String] {
        let recorded = try await library.folders()
        let inside = recorded.isEmpty ? 0 : try await library.tally(under: recorded).files
        guard try await library.tally(under: []).files > inside else { return recorded }
        // `isUnder` an empty list is everywhere; no recorded folder leaves every file outside.
        let outside = try await library.files(under: "/").keys.filter {
            recorded.isEmpty || !path($0, isUnder: recorded)
        }
        let change = merge(recorded, adding: enclosing(Array(outside)))
        return Set(recorded).subtracting(change.remove).union(change.add).sorted()
    }
}
