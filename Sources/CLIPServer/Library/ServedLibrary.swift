import CLIP
import CLIPSearch
import Foundation

/// The photo library `clip serve --library DIR` (or `--store postgres://…`) answers from: whichever store
/// holds it, read through `LibraryStore` as the CLI reads it, its thumbnail cache, and the folders it keeps
/// indexed (`--index`).
public struct ServedLibrary: Sendable {
    public let store: any LibraryStore
    public let indexer: BackgroundIndexer
    public let thumbnails: ThumbnailCache
    /// Folders `POST /v1/index` brings up to date; empty when the library is indexed by `clip index` only.
    public let folders: [String]
    /// How searches use the store's approximate index.
    public let mode: SearchMode
    let scanner: FileScanner
    let makeEmbedder: @Sendable () throws -> ImageEmbedder

    public init(
        _ opened: OpenedLibrary, folders: [String] = [], scanner: FileScanner = FileScanner(),
        mode: SearchMode = .approximate(efSearch: nil),
        makeEmbedder: @escaping @Sendable () throws -> ImageEmbedder
    ) {
        store = opened.store
        indexer = opened.indexer
        thumbnails = opened.thumbnails
        self.folders = folders.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        self.mode = mode
        self.scanner = scanner
        self.makeEmbedder = makeEmbedder
    }

    /// Starts a pass over `folders` in the background; false when one is already running.
    @discardableResult
    public func reindex(finished: (@Sendable (Result<Indexer.Report, Error>) -> Void)? = nil) -> Bool {
        indexer.start(roots: folders, scanner: scanner, makeEmbedder: makeEmbedder, finished: finished)
    }
}
