import CLIP
import Foundation

extension LibraryBackend {
    /// Binds the library to a loaded model: its identity and dimension decide whether the stored vectors
    /// are still valid (the replaced model's identity is returned when they were cleared for re-indexing).
    @discardableResult
    public func bind(_ model: LoadedModel) async throws -> String? {
        try await bind(model: model.id, dimension: model.model.config.embedDim)
    }
}

extension LibraryStore {
    /// Opens (or creates) the library in `directory` for `model` (the embedded store bound at once);
    /// `readOnly`, only opens it, to be searched (see `init(directory:modelID:dimension:readOnly:)`).
    public convenience init(directory: URL, model: LoadedModel, readOnly: Bool = false) throws {
        try self.init(directory: directory, modelID: model.id, dimension: model.model.config.embedDim, readOnly: readOnly)
    }

    /// Opens the library in `directory` for a process that only searches it (`clip serve` without
    /// `--index`): read-only when there is one, so it may sit on a read-only mount or belong to another
    /// user, and another model's library is an error instead of being cleared; a missing one is made,
    /// empty, for a `clip index` run to fill while it is served.
    public static func forSearching(directory: URL, model: LoadedModel) throws -> LibraryStore {
        let exists = FileManager.default.fileExists(atPath: directory.appendingPathComponent("library.sqlite").path)
        return try LibraryStore(directory: directory, model: model, readOnly: exists)
    }
}
