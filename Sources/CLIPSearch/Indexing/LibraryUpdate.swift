import CLIP
import Foundation

extension LibraryStore {
    /// Opens (or creates) the library in `directory` for `model`: its identity and dimension decide whether
    /// the stored vectors are still valid (`replacedModel` says when they were cleared for re-indexing).
    public convenience init(directory: URL, model: LoadedModel) throws {
        try self.init(directory: directory, modelID: model.id, dimension: model.model.config.embedDim)
    }
}

extension Indexer {
    /// Brings `roots` up to date (each committed batch as the library's only writer): plans (only `stat`s unchanged files), then embeds what changed.
    /// `makeEmbedder` is called only when some file needs embedding, so an up-to-date library never loads
    /// the image tower. `progress(done, total)` is told `(0, total)` before the first file and after each
    /// committed batch.
    public func update(roots: [String], makeEmbedder: () throws -> ImageEmbedder,
                       progress: ((Int, Int) -> Void)? = nil) throws -> (plan: Plan, report: Report) {
        let plan = try plan(roots: roots)
        let embedder = plan.toEmbed.isEmpty ? nil : try makeEmbedder()
        if !plan.toEmbed.isEmpty { progress?(0, plan.toEmbed.count) }
        return (plan, try update(plan, embedder: embedder, progress: progress))
    }
}
