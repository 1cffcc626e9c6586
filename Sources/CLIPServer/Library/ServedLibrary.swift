import CLIP
import CLIPSearch
import Foundation

/// The photo library `clip serve --library DIR` (or `--store postgres://…`) answers from: a reader of
/// whichever store holds it, its thumbnail cache, and the folders it keeps indexed (`--index`).
public struct ServedLibrary: Sendable {
    public let reader: any LibraryReader
    public let indexer: BackgroundIndexer
    public let thumbnails: ThumbnailCache
    /// Folders `POST /v1/index` brings up to date; empty when the library is indexed by `clip index` only.
    public let folders: [String]
    let scanner: FileScanner
    let makeEmbedder: @Sendable () throws -> ImageEmbedder

    public init(reader: any LibraryReader, indexer: BackgroundIndexer, thumbnails: ThumbnailCache, folders: [String] = [],
                scanner: FileScanner = FileScanner(), makeEmbedder: @escaping @Sendable () throws -> ImageEmbedder) {
        self.reader = reader
        self.indexer = indexer
        self.thumbnails = thumbnails
        self.folders = folders.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        self.scanner = scanner
        self.makeEmbedder = makeEmbedder
    }

    /// The embedded library folder, kept open (thumbnails cached inside it).
    public init(library: LiveLibrary, folders: [String] = [], scanner: FileScanner = FileScanner(),
                makeEmbedder: @escaping @Sendable () throws -> ImageEmbedder) {
        self.init(reader: library, indexer: library.indexer, thumbnails: ThumbnailCache(library: library.store), folders: folders,
                  scanner: scanner, makeEmbedder: makeEmbedder)
    }

    /// Starts a pass over `folders` in the background; false when one is already running.
    @discardableResult
    public func reindex(finished: (@Sendable (Result<Indexer.Report, Error>) -> Void)? = nil) -> Bool {
        indexer.start(roots: folders, scanner: scanner, makeEmbedder: makeEmbedder, finished: finished)
    }
}
