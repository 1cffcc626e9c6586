import ArgumentParser
import CLIP
import CLIPSearch
import Foundation

/// `clip search QUERY [DIR]`: text→image and image→image search over a folder, indexing it first.
struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search a folder of images by text or by image (indexes new and changed files first).",
        discussion: """
            The query is a text, an image path, or a sum: clip search "cat" + "2:snow" - "indoor" ~/Pictures. \
            A part that names an existing file is an image; "w:" in front weights it. The last argument is the \
            folder if it is one (default: the current folder, named on stderr). An argument that looks like a path \
            (/…, ~…, ./…, ../…) but names nothing is an error, and so is a folder among the query words.
            """)

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var imageOptions: ImageOptions
    @OptionGroup var libraryOptions: LibraryOptions

    @Argument(help: "Query words, then optionally the folder.")
    var words: [String] = []
    @Option(name: .long, help: "Find images like this one (reverse image search).")
    var image: String?
    @Option(name: .long, help: "Results to show.")
    var top = 10
    @Flag(name: .long, help: "Do not index before searching.")
    var noIndex = false
    @Flag(name: .long, help: "Compare the query with every image (no approximate index).")
    var exactSearch = false
    @Option(
        name: .long,
        help: "Candidates the approximate index (HNSW) explores: more is slower and finds more of the true nearest.")
    var efSearch: Int?
    @Option(
        name: .long,
        help:
            """
                Take this many candidates from the approximate index and order them by their exact scores (more of the \
                true top results).
                """
    )
    var rerank: Int?
    @Flag(name: .long, help: "Print only paths.")
    var paths = false
    @OptionGroup var format: OutputOptions

    func validate() throws {
        guard rerank.map({ $0 >= 1 }) ?? true else {
            throw ValidationError("--rerank must be at least 1 (candidates to order exactly)")
        }
        guard !words.isEmpty || image != nil else {
            throw ValidationError("give a query: clip search \"a dog on a beach\" [FOLDER], or --image PHOTO [FOLDER]")
        }
        guard !(noIndex && libraryOptions.reindex) else {
            throw ValidationError("--reindex re-embeds the library: it cannot go with --no-index, which only reads it")
        }
    }

    func run() async throws {
        runtime.apply()
        let (queryWords, given) = try Self.split(words, hasImage: image != nil)
        let query = try SearchQuery.parse(queryWords, image: image)
        if given == nil {
            // Searching where the command runs is the default: say where that is, since it may be the home folder.
            FileHandle.standardError.write(
                Data(
                    """
                        searching \(FileManager.default.currentDirectoryPath) (the current folder; give a folder after \
                        the query to search another)\n
                        """
                        .utf8))
        }
        let folder = given ?? FileManager.default.currentDirectoryPath
        let results = try await libraryOptions.using(modelOptions, towers: .text) { opened in
            let (library, text, model) = (opened.library, opened.loaded, opened.model)
            if !noIndex {
                try await libraryOptions.update(library, roots: [folder], model: model, images: imageOptions)
            }
            let mode: SearchMode =
                exactSearch
                ? .exact
                : rerank.map { .reranked(candidates: $0, efSearch: efSearch) } ?? .approximate(efSearch: efSearch)
            let question = LibraryQuery(parts: [(.expression(query), 1)], roots: [folder], k: top, mode: mode)
            let imageOptions = imageOptions
            let embedding = LibraryQuery.Embedding(
                texts: { texts in
                    let e = try text.embedTexts(texts)
                    return (0..<texts.count).map { e.row($0) }
                },
                files: { files in
                    let e = try imageOptions.embedder(try model.load(towers: .vision), library: true).embed(
                        files: files)
                    return (0..<files.count).map { e.row($0) }
                })
            do {
                let dimension = text.model.config.embedDim
                return try await question.run(embedding: embedding, store: library, dimension: dimension).hits
            } catch LibraryQueryProblem.expression(let error) {
                throw error
            }
        }
        if format.json {
            print(try JSONLines.string(results.map { ["path": $0.path, "score": Double($0.score)] }))
        } else {
            for r in results { print(paths ? r.path : String(format: "%.4f  %@", r.score, r.path)) }
        }
    }

    /// The query words and the folder (nil: the current one). The grammar is unambiguous: the last argument is
    /// the folder when it is one; an argument that looks like a path (`/…`, `~…`, `./…`, `../…`) but names
    /// nothing is an error naming it, never more query text (a mistyped `~/Pictres` once searched, and indexed,
    /// the current folder); and a folder among the query words is an error too (`clip search photos`, the
    /// query forgotten).
    static func split(_ words: [String], hasImage: Bool) throws -> (query: [String], folder: String?) {
        var query = words, folder: String?
        if let last = words.last, words.count > 1 || hasImage, isFolder(last) {
            folder = last
            query.removeLast()
        }
        for word in query {
            if looksLikePath(word) && !FileManager.default.fileExists(atPath: word) {
                throw ValidationError("\(word): no such file or folder")
            }
            if isFolder(word) {
                throw ValidationError(
                    """
                        \(word) is a folder: give the query first, then the folder (clip search \"a dog on a beach\" \
                        \(word))
                        """
                )
            }
        }
        return (query, folder)
    }

    static func looksLikePath(_ word: String) -> Bool {
        ["/", "~", "./", "../"].contains { word.hasPrefix($0) }
    }

    static func isFolder(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
