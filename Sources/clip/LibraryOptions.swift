import ArgumentParser
import CLIP
import CLIPSearch
import Foundation

/// Where the library lives and how folders are brought up to date before a command reads them.
struct LibraryOptions: ParsableArguments {
    @Option(name: .long, help: "Library folder (default: $CLIP_LIBRARY_DIR, else $XDG_DATA_HOME/swiftclip/library, else ~/.local/share/swiftclip/library).")
    var library: String?
    @Option(name: .long, help: "Skip files and folders matching this glob (full path or name); repeatable.")
    var exclude: [String] = []
    @Flag(name: .long, help: "Decode JPEGs exactly at full size (slower; by default large JPEGs are decoded at a reduced DCT scale, ≥ 2× the model input).")
    var exact = false
    @Option(name: .long, help: "Files per committed batch (a kill loses at most one batch).")
    var commitEvery = 64

    var directory: URL { library.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath) } ?? LibraryStore.defaultDirectory() }

    func open(_ loaded: LoadedModel) throws -> LibraryStore {
        let store = try LibraryStore(directory: directory, model: loaded)
        if let previous = store.replacedModel {
            FileHandle.standardError.write(Data("library \(directory.path) was built with another model (\(previous)); re-indexing every file with \(loaded.id)\n".utf8))
        }
        return store
    }

    /// Brings `roots` up to date (the image tower is loaded only when something needs embedding) and
    /// prints a summary to stderr when anything changed.
    @discardableResult
    func update(_ store: LibraryStore, roots: [String], model: ModelOptions, images: ImageOptions) throws -> Indexer.Report {
        let indexer = Indexer(store: store, scanner: FileScanner(excludes: exclude), commitEvery: commitEvery)
        var line: ProgressLine?
        let (plan, report) = try indexer.update(roots: roots, makeEmbedder: {
            try images.embedder(try model.load(towers: .vision), fastJPEG: !exact)
        }, progress: { done, total in
            if line == nil { line = ProgressLine("indexing", total: Int64(total), unit: .items("files")) }
            line?.update(Int64(done))
        })
        line?.finish()
        if !plan.isEmpty {
            var parts = ["\(report.embedded) embedded"]
            if report.moved > 0 { parts.append("\(report.moved) moved") }
            if report.removed > 0 { parts.append("\(report.removed) removed") }
            if report.failed > 0 { parts.append("\(report.failed) could not be used (clip index --errors lists them)") }
            parts.append("\(report.unchanged) unchanged")
            FileHandle.standardError.write(Data("index: \(parts.joined(separator: ", "))\n".utf8))
        }
        return report
    }
}
