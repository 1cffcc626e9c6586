import CLIP
import Foundation

extension LibraryStore {
    /// Binds the library to a loaded model: its identity and dimension decide whether the stored vectors
    /// are still valid. Another model's library is refused (`LibraryModelMismatch`), or with `replacing`
    /// cleared for re-indexing (the replaced model is returned).
    @discardableResult
    public func bind(_ model: LoadedModel, replacing: Bool = false) async throws -> LibraryModel? {
        try await bind(LibraryModel(model), replacing: replacing)
    }
}

extension LibraryDatabase {
    /// Opens (or creates) the library in `directory` for `model` (the embedded store bound at once);
    /// `readOnly`, only opens it, to be searched (see `init(directory:model:readOnly:replacing:)`).
    public convenience init(directory: URL, model: LoadedModel, readOnly: Bool = false, replacing: Bool = false) throws
    {
        try self.init(directory: directory, model: LibraryModel(model), readOnly: readOnly, replacing: replacing)
    }

    /// Opens the library in `directory` for a process that only searches it (`clip serve` without
    /// `--index`): read-only when there is one, so it may sit on a read-only mount or belong to another
    /// user, and another model's library is an error instead of being cleared; a missing one is made,
    /// empty, for a `clip index` run to fill while it is served.
    public static func forSearching(directory: URL, model: LoadedModel) throws -> LibraryDatabase {
        let exists = FileManager.default.fileExists(atPath: directory.appendingPathComponent("library.sqlite").path)
        return try LibraryDatabase(directory: directory, model: model, readOnly: exists)
    }
}
