import ArgumentParser
import CLIP
import CLIPSearch
import Foundation

/// Where the library lives and how folders are brought up to date before a command reads them.
struct LibraryOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            """
                Library folder (default: $CLIP_LIBRARY_DIR, else $XDG_DATA_HOME/swiftclip/library, else \
                ~/.local/share/swiftclip/library).
                """
    )
    var library: String?
    @Option(
        name: .long,
        help:
            """
                Keep the library in PostgreSQL + pgvector instead: postgres://user[:password]@host[:port]/database \
                (default: $CLIP_DATABASE_URL; none: the library folder).
                """
    )
    var store: String?
    @Option(name: .long, help: "Skip files and folders matching this glob (full path or name); repeatable.")
    var exclude: [String] = []
    @Option(name: .long, help: "Files per committed batch (a kill loses at most one batch).")
    var commitEvery = 64
    @Option(
        name: .long, help: "The library folder searches through its HNSW index above this many images (exact below).")
    var approximateAbove = LibrarySearch.defaultApproximateAbove
    @Flag(
        name: .long,
        help:
            """
                Re-index the library with --model when it was built with another model (every file is embedded again). \
                Without it, another model is refused; without --model, the library's own model is used.
                """
    )
    var reindex = false

    /// Folders named on the command line must exist, and say so before any model is loaded (a mistyped
    /// folder used to surface as the offline model's error).
    static func requireExisting(_ paths: [String]) throws {
        for path in paths where !FileManager.default.fileExists(atPath: path) {
            throw ValidationError("\(path): no such file or folder")
        }
    }

    /// `--store`, else `--library`, else `$CLIP_DATABASE_URL`, else the default folder.
    var location: LibraryLocation { LibraryLocation.resolve(library: library, store: store) }

    /// The library's store, not bound to a model yet.
    func openStore() async throws -> any LibraryStore {
        try await location.open(approximateAbove: approximateAbove)
    }

    /// An open library, with the model it was opened for and the model options that loaded it (the
    /// library's own model when `--model` was not given): load the other tower through them.
    struct Opened {
        let library: any LibraryStore
        let loaded: LoadedModel
        let model: ModelOptions
    }

    /// The library, bound to the model `given` names, or to the library's own model when `--model` is not
    /// given (ViT-B-32 for a new library). Another model than the library's is refused, with what to do,
    /// unless `--reindex` is given: then the library is cleared for re-indexing, and that is said.
    func open(_ given: ModelOptions, towers: Towers) async throws -> Opened {
        let library = try await openStore()
        do {
            let stored = try await library.storedModel()
            let model = given.following(stored?.spec)
            // Another model that is not even downloaded is refused before the download, not after: one named
            // with --model that is not the library's, or ViT-B-32 for a library that does not say its model.
            let other =
                given.model != nil
                ? stored?.spec.map { $0.model != model.spec(precision: .fp32).model } ?? false : stored?.spec == nil
            if let stored, !reindex, other, model.needsDownload {
                _ = try await library.bind(stored, replacing: false)
                let requested = LibraryModel(
                    id: model.name, dimension: 0, spec: model.spec(precision: model.precision ?? .fp32))
                let files = try await library.tally(under: []).files
                throw CLIPError.invalidArgument(
                    Self.refusal(
                        LibraryModelMismatch(
                            location: library.location, stored: stored, requested: requested, files: files),
                        modelGiven: given.model != nil))
            }
            let loaded = try model.load(towers: towers)
            try await bind(library, to: loaded, modelGiven: given.model != nil)
            return Opened(library: library, loaded: loaded, model: model)
        } catch {
            await library.close()
            throw error
        }
    }

    /// Binds `library` to `loaded`: another model's library is refused (`refusal`), or with `--reindex`
    /// cleared for re-indexing (`sayReplaced`).
    func bind(_ library: any LibraryStore, to loaded: LoadedModel, modelGiven: Bool) async throws {
        do {
            if let previous = try await library.bind(loaded, replacing: reindex) {
                Self.sayReplaced(previous, library: library.location, by: loaded)
            }
        } catch let mismatch as LibraryModelMismatch {
            throw CLIPError.invalidArgument(Self.refusal(mismatch, modelGiven: modelGiven))
        }
    }

    /// Why a library was not switched to another model, and what to do instead.
    static func refusal(_ mismatch: LibraryModelMismatch, modelGiven: Bool) -> String {
        let (stored, requested, files) = (mismatch.stored, mismatch.requested, mismatch.files)
        let location = mismatch.location
        let reindexing = "re-indexing embeds all \(files) files in it again"
        if modelGiven {
            return """
                the library \(location) was built with \(stored.name), not \(requested.name) (given with --model): \
                \(reindexing).
                Leave out --model to use the library's model, give --reindex to re-index it with \(requested.name), or \
                give --library DIR (or --store URL) for a separate library.
                """
        }
        guard let spec = stored.spec else {
            return """
                the library \(location) was built with \(stored.id), and does not say how to load that model (it was \
                indexed by an earlier version): give it with --model (the library then records it), or --reindex to \
                re-index the library with \(requested.name) (\(reindexing)).
                """
        }
        if let asked = requested.spec, asked.model == spec.model, asked.modelName == spec.modelName,
            stored.precision != requested.precision
        {
            // The same model at another precision gives other vectors: say it is the precision, not the weights.
            return """
                the library \(location) was built with \(spec.model) at \(stored.precision); this command runs it at \
                \(requested.precision) (--precision), whose vectors differ: \(reindexing).
                Leave out --precision to use the library's, give --reindex to re-index it at \(requested.precision), \
                or give --library DIR (or --store URL) for a separate library.
                """
        }
        return """
            the library \(location) was built with \(spec), which now loads other weights (\(requested.id), not \
            \(stored.id)): \(reindexing).
            Give --reindex to re-index it with them, --model with the weights the library was built with, or --library \
            DIR (or --store URL) for a separate library.
            """
    }

    /// The one line a command prints when a library built with another model is cleared for re-indexing.
    static func sayReplaced(_ previous: LibraryModel, library: String, by loaded: LoadedModel) {
        let name = loaded.spec?.description ?? loaded.id
        FileHandle.standardError.write(
            Data(
                """
                    library \(library) was built with another model (\(previous.name)); re-indexing every file with \
                    \(name)\n
                    """
                    .utf8))
    }

    /// Runs `body` with the library open (see `open`), and closes it afterwards, also when `body` throws.
    func using<T>(_ model: ModelOptions, towers: Towers, _ body: (Opened) async throws -> T) async throws -> T {
        let opened = try await open(model, towers: towers)
        do {
            let value = try await body(opened)
            await opened.library.close()
            return value
        } catch {
            await opened.library.close()
            throw error
        }
    }

    /// Brings `roots` up to date (the image tower is loaded only when something needs embedding) and
    /// prints a summary to stderr when anything changed. A root without images is an error naming it and
    /// what it holds when `requireImages` (a search of it can find nothing); else a warning (`clip index` of
    /// a folder that is empty today still records it).
    @discardableResult
    func update(
        _ library: any LibraryStore, roots: [String], model: ModelOptions, images: ImageOptions,
        requireImages: Bool = true
    ) async throws -> Indexer.Report {
        let indexer = Indexer(library: library, scanner: FileScanner(excludes: exclude), commitEvery: commitEvery)
        let line = ProgressBox()
        let (plan, report) = try await indexer.update(
            roots: roots,
            makeEmbedder: {
                try images.embedder(try model.load(towers: .vision), library: true)
            }, progress: { done, total in line.update(done: done, total: total) })
        line.finish()
        if !plan.isEmpty {
            var parts = ["\(report.embedded) embedded"]
            if report.moved > 0 { parts.append("\(report.moved) moved") }
            if report.removed > 0 { parts.append("\(report.removed) removed") }
            if report.failed > 0 { parts.append("\(report.failed) could not be used (clip index --errors lists them)") }
            parts.append("\(report.unchanged) unchanged")
            FileHandle.standardError.write(Data("index: \(parts.joined(separator: ", "))\n".utf8))
        }
        if let housekeeping = report.housekeeping {
            FileHandle.standardError.write(Data("index: \(housekeeping)\n".utf8))
        }
        // A folder without images is a mistake to name (the wrong folder, or photos in a format not read),
        // never an empty answer and exit 0. Its library records were still brought up to date above.
        for (root, reason) in report.withoutImages.sorted(by: { $0.key < $1.key }) {
            if requireImages { throw CLIPError.input(file: root, reason: reason) }
            FileHandle.standardError.write(Data("index: \(root): \(reason)\n".utf8))
        }
        return report
    }
}

/// The indexing progress line, told from the indexer's tasks.
private final class ProgressBox: @unchecked Sendable {
    private let lock = NSLock()
    private var line: ProgressLine?
    private var total = 0

    func update(done: Int, total: Int) {
        lock.withLock {
            if line == nil || self.total != total {
                line?.finish()
                line = ProgressLine("indexing", total: Int64(total), unit: .items("files"))
                self.total = total
            }
            line?.update(Int64(done))
        }
    }

    func finish() { lock.withLock { line?.finish() } }
}

extension ModelOptions: @unchecked Sendable {}
extension ImageOptions: @unchecked Sendable {}
