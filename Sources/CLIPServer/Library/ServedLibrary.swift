import CLIP
import CLIPSearch
import Foundation

/// The photo library `clip serve --library DIR` answers from: one long-lived `LiveLibrary` (snapshots for
/// queries, one writer), its thumbnail cache, and the folders it keeps indexed (`--index`).
public struct ServedLibrary: Sendable {
    public let library: LiveLibrary
    public let thumbnails: ThumbnailCache
    /// Folders `POST /v1/index` brings up to date; empty when the library is indexed by `clip index` only.
    public let folders: [String]
    let scanner: FileScanner
    let makeEmbedder: @Sendable () throws -> ImageEmbedder

    public init(library: LiveLibrary, folders: [String] = [], scanner: FileScanner = FileScanner(),
                makeEmbedder: @escaping @Sendable () throws -> ImageEmbedder) {
        self.library = library
        thumbnails = ThumbnailCache(library: library.store)
        self.folders = folders.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        self.scanner = scanner
        self.makeEmbedder = makeEmbedder
    }

    /// Starts a pass over `folders` in the background; false when one is already running.
    @discardableResult
    public func reindex(finished: (@Sendable (Result<Indexer.Report, Error>) -> Void)? = nil) -> Bool {
        library.startIndexing(roots: folders, scanner: scanner, makeEmbedder: makeEmbedder, finished: finished)
    }
}
