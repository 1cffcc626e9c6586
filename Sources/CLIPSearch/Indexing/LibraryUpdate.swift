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
    /// Opens (or creates) the library in `directory` for `model` (the embedded store bound at once).
    public convenience init(directory: URL, model: LoadedModel) throws {
        try self.init(directory: directory, modelID: model.id, dimension: model.model.config.embedDim)
    }
}
