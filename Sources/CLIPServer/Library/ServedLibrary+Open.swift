import CLIP
import CLIPSearch
import Foundation

extension ServedLibrary {
    /// The library at `location` bound to the served model and kept open (`LibraryLocation.openLive`), its
    /// `--index` folders embedded with that model's image tower. With folders to index the library is
    /// written; without, only read. The caller starts the first pass (`reindex`) once it has said what it
    /// wants to say about the library.
    public static func open(
        _ location: LibraryLocation, model loaded: LoadedModel, index folders: [String] = [],
        excludes: [String] = [], replacing: Bool = false, connections: Int = 4,
        thumbnails: URL? = nil
    ) async throws
        -> (library: ServedLibrary, replaced: LibraryModel?)
    {
        let live = try await location.openLive(
            model: LibraryModel(loaded), writable: !folders.isEmpty,
            replacing: replacing, connections: connections, thumbnails: thumbnails)
        let library = ServedLibrary(live, folders: folders, scanner: FileScanner(excludes: excludes)) {
            try loaded.imageEmbedder(fastJPEG: true)
        }
        return (library, live.replaced)
    }
}
