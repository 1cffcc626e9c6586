import ArgumentParser
import CLIP
import CLIPSearch
import Foundation

/// Where the library lives and how folders are brought up to date before a command reads them.
struct LibraryOptions: ParsableArguments {
    @Option(name: .long, help: "Library folder (default: $CLIP_LIBRARY_DIR, else $XDG_DATA_HOME/swiftclip/library, else ~/.local/share/swiftclip/library).")
    var library: String?
    @Option(name: .long, help: "Keep the library in PostgreSQL + pgvector instead: postgres://user[:password]@host[:port]/database (default: $CLIP_DATABASE_URL; none: the library folder).")
    var store: String?
    @Option(name: .long, help: "Skip files and folders matching this glob (full path or name); repeatable.")
    var exclude: [String] = []
    @Option(name: .long, help: "Files per committed batch (a kill loses at most one batch).")
    var commitEvery = 64
    @Option(name: .long, help: "The library folder searches through its HNSW index above this many images (exact below).")
    var approximateAbove = LibrarySearch.defaultApproximateAbove

    /// Folders named on the command line must exist, and say so before any model is loaded (a mistyped
    /// folder used to surface as the offline model's error).
    static func requireExisting(_ paths: [String]) throws {
        for path in paths where !FileManager.default.fileExists(atPath: path) {
            throw ValidationError("\(path): no such file or folder")
        }
    }

    var directory: URL { library.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath) } ?? LibraryStore.defaultDirectory() }

    /// `--store`, else `$CLIP_DATABASE_URL`, when set.
    var databaseURL: String? {
        store ?? ProcessInfo.processInfo.environment["CLIP_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The library, bound to `loaded` (a model change clears it for re-indexing, and says so).
    func open(_ loaded: LoadedModel) async throws -> any LibraryBackend {
        let backend: any LibraryBackend
        if let databaseURL {
            backend = try await PostgresLibrary.connect(databaseURL)
        } else {
            backend = SQLiteLibrary(directory: directory, approximateAbove: approximateAbove)
        }
        do {
            if let previous = try await backend.bind(loaded) { Self.sayReplaced(previous, library: backend.location, by: loaded) }
        } catch {
            await backend.close()
            throw error
        }
        return backend
    }

    /// The one line a command prints when a library built with another model is cleared for re-indexing.
    static func sayReplaced(_ previous: String, library: String, by loaded: LoadedModel) {
        FileHandle.standardError.write(Data("library \(library) was built with another model (\(previous)); re-indexing every file with \(loaded.id)\n".utf8))
    }

    /// Runs `body` with the library open, and closes it afterwards, also when `body` throws.
    func using<T>(_ loaded: LoadedModel, _ body: (any LibraryBackend) async throws -> T) async throws -> T {
        let library = try await open(loaded)
        do {
            let value = try await body(library)
            await library.close()
            return value
        } catch {
            await library.close()
            throw error
        }
    }

    /// Brings `roots` up to date (the image tower is loaded only when something needs embedding) and
    /// prints a summary to stderr when anything changed.
    @discardableResult
    func update(_ library: any LibraryBackend, roots: [String], model: ModelOptions, images: ImageOptions) async throws -> Indexer.Report {
        let indexer = Indexer(library: library, scanner: FileScanner(excludes: exclude), commitEvery: commitEvery)
        let line = ProgressBox()
        let (plan, report) = try await indexer.update(roots: roots, makeEmbedder: {
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
        if let housekeeping = report.housekeeping { FileHandle.standardError.write(Data("index: \(housekeeping)\n".utf8)) }
        // A folder without images is a mistake to name (the wrong folder, or photos in a format not read),
        // never an empty answer and exit 0. Its library records were still brought up to date above.
        if let (root, reason) = report.withoutImages.sorted(by: { $0.key < $1.key }).first {
            throw CLIPError.input(file: root, reason: reason)
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
