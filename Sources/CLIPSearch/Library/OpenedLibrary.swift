import CLIP
import Foundation

/// A library opened for a long-running process (`clip serve`): the store requests read, the indexer of
/// its `--index` folders, and where thumbnails are cached.
public struct OpenedLibrary: Sendable {
    public let store: any LibraryStore
    public let indexer: BackgroundIndexer
    public let thumbnails: ThumbnailCache
    /// The model whose vectors were dropped to bind this one (`replacing`), for the one line that says so.
    public let replaced: LibraryModel?

    public init(
        store: any LibraryStore, indexer: BackgroundIndexer, thumbnails: ThumbnailCache,
        replaced: LibraryModel? = nil
    ) {
        self.store = store
        self.indexer = indexer
        self.thumbnails = thumbnails
        self.replaced = replaced
    }
}
