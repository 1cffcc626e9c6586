import CLIP
import CLIPSearch
import Foundation
import Hummingbird
import Logging
import MultipartKit

private let libraryLog = Logger(label: "swiftclip.library")

/// The native API over the photo library (`clip serve --library DIR`):
/// - `POST /v1/search`: a text (with `clip search`'s arithmetic, `cat + 2:snow - indoor`), an uploaded image,
///   a library image (`like`: "more like this") or a vector, with `top_k`, `offset` and a `folder` filter;
/// - `POST /v1/classify`: zero-shot labels for library images (`ids`) or uploaded ones (`images`);
/// - `POST /v1/rank`: the library (or `ids`) ordered by a prompt, optionally against an opposing prompt
///   (`scoring` says what the scores are: cosine, SigLIP's sigmoid probability, or the two-prompt softmax);
/// - `GET /v1/duplicates`: near-duplicate groups;
/// - `GET /v1/images/{id}` and `GET /v1/thumbnails/{id}`: only files the library holds, by their id;
/// - `GET /v1/index/status` and `POST /v1/index`: the background indexer of the `--index` folders.
struct LibraryController<Context: RequestContext> {
    let served: ServedModel
    let library: ServedLibrary?
    let maxBody: Int
    let classifiers = ClassifierCache()
    /// One near-duplicate scan at a time (each compares every pair of its images).
    let duplicateScans = DispatchSemaphore(value: 1)

    static var maxResults: Int { 1000 }
    static var maxQueryTerms: Int { 32 }
    /// Near-duplicates compare every pair: above this many images a request must name a folder.
    static var maxDuplicateImages: Int { 20_000 }
    /// How deep paging goes (offset + top_k).
    static var maxDepth: Int { 10_000 }

    func addRoutes(to router: some RouterMethods<Context>) {
        router.post("v1/search") { request, _ in try await search(request) }
        router.post("v1/classify") { request, _ in try await classify(request) }
        router.post("v1/rank") { request, _ in try await rank(request) }
        router.get("v1/duplicates") { request, _ in try await duplicates(request) }
        router.get("v1/images/:id") { _, context in try await file(context, thumbnail: false) }
        router.get("v1/thumbnails/:id") { _, context in try await file(context, thumbnail: true) }
        router.get("v1/index/status") { _, _ in try await indexStatus() }
        router.post("v1/index") { _, _ in try startIndexing() }
    }

    private func requireLibrary() throws -> ServedLibrary {
        guard let library else {
            throw APIError(.notFound, "this server has no photo library: start it with --library DIR", code: "no_library")
        }
        return library
    }

    // MARK: Search

    func search(_ request: Request) async throws -> Response {
        let library = try requireLibrary()
        let (fields, upload) = try await RequestBody.read(request, maxBody: maxBody)
        let k = try fields.integer("top_k", default: 20, in: 1...Self.maxResults)
        let offset = try fields.integer("offset", default: 0, in: 0...(Self.maxDepth - k))
        let folder = try fields.string("folder").map(Self.folderPath)
        var parts: [[Float]] = []
        if let text = try fields.string("query") {
            let query: SearchQuery
            do { query = try SearchQuery.parse(expression: text) } catch let error as CLIPError {
                throw APIError.badRequest("'query': \(error.inputReason)", param: "query")
            }
            guard query.terms.count <= Self.maxQueryTerms else {
                throw APIError.badRequest("'query' has \(query.terms.count) parts; at most \(Self.maxQueryTerms)", param: "query")
            }
            let texts = query.terms.compactMap { term -> String? in if case let .text(t) = term.part { return t } else { return nil } }
            let embedded = try await served.embedTexts(texts, param: "query")
            do {
                parts.append(try query.vector(embedText: { _ in embedded }, embedImage: { _ in [] }))
            } catch let error as CLIPError {
                throw APIError.badRequest("'query': \(error.inputReason)", param: "query")
            }
        }
        if let image = try upload ?? fields.string("image").map({ try EmbeddingsRequest.imageBytes($0, param: "image") }) {
            parts += try await served.embedImages([image], names: ["image"], param: "image", likeTheLibrary: true)
        }
        if fields.has("like") {
            let id = Int64(try fields.integer("like", default: 0, in: 0...Int.max))
            guard let image = try await Self.libraryCall({ try await library.reader.images(ids: [id]) })[id] else {
                throw Self.unknownImage(id, param: "like")
            }
            parts.append(try Self.sameModel(image.vector, served))
        }
        if let vector = try fields.vector("vector", count: served.dimension) { parts.append(vector) }
        guard !parts.isEmpty else {
            throw APIError.badRequest("nothing to search for: give 'query', 'image', 'like' or 'vector'", param: "query")
        }
        let query = try Self.normalisedSum(parts)
        let page = try await Self.libraryCall { try await library.reader.search(query, k: k, offset: offset, folder: folder) }
        return JSONResponse.make(["results": page.hits.map { Self.hit(id: $0.id, path: $0.path, score: $0.score) },
                                  "searched": page.searched, "offset": offset, "top_k": k])
    }

    static func normalisedSum(_ parts: [[Float]]) throws -> [Float] {
        var sum = [Float](repeating: 0, count: parts[0].count)
        for part in parts {
            let norm = part.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm.isFinite else { throw APIError.badRequest("'vector' has numbers too large to square", param: "vector") }
            guard norm > 0 else { throw APIError.badRequest("'vector' is all zeros", param: "vector") }
            for k in sum.indices { sum[k] += part[k] / norm }
        }
        let norm = sum.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard norm > 1e-6 else { throw APIError.badRequest("the parts of the query cancel out", param: "query") }
        return sum.map { $0 / norm }
    }

    // MARK: Classify and rank

    func classify(_ request: Request) async throws -> Response {
        let (fields, _) = try await RequestBody.read(request, maxBody: maxBody, multipart: false)
        guard let labels = try fields.strings("labels", limit: 1000, commaSeparated: true) else {
            throw APIError.badRequest("'labels' is required (an array of strings, or one comma-separated string)", param: "labels")
        }
        let templates = try Self.templates(fields)
        // Half the text limit each and one `{}` per template, so that every prompt (a template filled with a
        // label) is within the limit before any is built: 2,500 `{}` in one template would multiply a label.
        try served.checkLengths(labels, param: "labels", limit: ServedModel.maxTextCharacters / 2)
        try served.checkLengths(templates, param: "templates", limit: ServedModel.maxTextCharacters / 2)
        if let (i, template) = templates.enumerated().first(where: { $0.element.components(separatedBy: "{}").count > 2 }) {
            throw APIError.badRequest("templates[\(i)] has more than one '{}': '\(template.prefix(80))'", param: "templates")
        }
        guard labels.count * templates.count <= 8192 else {
            throw APIError.badRequest("\(labels.count) labels × \(templates.count) templates is more than 8192 prompts", param: "templates")
        }
        let top = min(labels.count, try fields.integer("top_k", default: 5, in: 1...1000))
        let (items, vectors) = try await images(fields)
        let model = served.loaded.model
        let classifier = try await classifiers.classifier(labels: labels, templates: templates, logitScale: model.logitScale,
                                                          logitBias: model.logitBias) { prompts in
            // In passes of at most 256 prompts: other requests take their turns between them, and the
            // text batcher's queue never holds one request larger than its limit.
            var embedded: [[Float]] = []
            for start in stride(from: 0, to: prompts.count, by: 256) {
                embedded += try await served.embedTexts(Array(prompts[start..<min(prompts.count, start + 256)]), param: "labels")
            }
            return embedded
        }
        let predictions = classifier.top(top, Tensor(shape: [vectors.count, served.dimension], values: vectors.flatMap { $0 }))
        return JSONResponse.make(["results": zip(items, predictions).map { item, p -> [String: Any] in
            item.merging(["predictions": p.map { ["label": $0.label, "probability": Double($0.probability)] }]) { a, _ in a }
        }])
    }

    /// Server-side templates: `imagenet80`, `simple`, one template with `{}`, or an array of them (never a file).
    static func templates(_ fields: JSONFields) throws -> [String] {
        let list: [String]
        if let name = try? fields.string("templates"), ["imagenet80", "imagenet", "simple"].contains(name.lowercased()) {
            list = try PromptTemplates.named(name)
        } else if fields.object["templates"] is String {
            list = [try fields.string("templates")!]
        } else {
            list = try fields.strings("templates", limit: 1000) ?? PromptTemplates.imagenet80
        }
        if let bad = list.first(where: { !$0.contains("{}") }) {
            throw APIError.badRequest("template '\(bad)' has no {} for the label (or use \"imagenet80\" or \"simple\")", param: "templates")
        }
        return list
    }

    /// The images a classify or rank request names: library images by `ids`, or uploaded `images`
    /// (base64), with what each answer item says about them.
    private func images(_ fields: JSONFields) async throws -> (items: [[String: Any]], vectors: [[Float]]) {
        switch (fields.has("ids"), fields.has("images")) {
        case (true, false):
            let library = try requireLibrary()
            let images = try await libraryImages(library, ids: try fields.integers("ids", limit: Self.maxResults)!)
            return (images.map { Self.describe(id: $0.id, path: $0.path) }, try images.map { try Self.sameModel($0.vector, served) })
        case (false, true):
            let inputs = try fields.strings("images", limit: EmbeddingsRequest.maxInputs)!
            let names = inputs.indices.map { "images[\($0)]" }
            let bytes = try zip(inputs, names).map { try EmbeddingsRequest.imageBytes($0, param: $1) }
            return (inputs.indices.map { ["index": $0] }, try await served.embedImages(bytes, names: names, param: "images"))
        default:
            throw APIError.badRequest("give exactly one of 'ids' (library images) or 'images' (base64)", param: "ids")
        }
    }

    func rank(_ request: Request) async throws -> Response {
        let library = try requireLibrary()
        let (fields, _) = try await RequestBody.read(request, maxBody: maxBody, multipart: false)
        guard let prompt = try fields.string("prompt") else { throw APIError.badRequest("'prompt' is required", param: "prompt") }
        let versus = try fields.string("versus")
        let k = try fields.integer("top_k", default: 20, in: 1...Self.maxResults)
        let offset = try fields.integer("offset", default: 0, in: 0...(Self.maxDepth - k))
        let threshold = try fields.number("threshold")
        let folder = try fields.string("folder").map(Self.folderPath)
        let ids = try fields.integers("ids", limit: Self.maxDepth).map { Array(NSOrderedSet(array: $0)) as! [Int64] }
        if ids != nil && folder != nil { throw APIError.badRequest("give 'ids' or 'folder', not both", param: "ids") }
        let texts = try await served.embedTexts([prompt] + (versus.map { [$0] } ?? []), param: "prompt")
        let ranking = PromptRanking(prompt: texts[0], versus: versus == nil ? nil : texts[1], logitScale: served.loaded.model.logitScale,
                                    logitBias: served.loaded.model.logitBias)
        // Every image's inner products with the prompts: computed here for a few ids, by the store for a
        // folder or the whole library (PostgreSQL sends only the scores).
        let files: [(id: Int64, path: String)], cosines: [Float]
        if let ids {
            let images = try await libraryImages(library, ids: ids)
            files = images.map { ($0.id, $0.path) }
            cosines = try images.flatMap { image in
                let vector = try Self.sameModel(image.vector, served)
                return ranking.queries.map { zip($0, vector).reduce(0) { $0 + $1.0 * $1.1 } }
            }
        } else {
            (files, cosines) = try await Self.libraryCall { try await library.reader.cosines(ranking.queries, folder: folder) }
        }
        let q = ranking.queries.count
        var scored: [(index: Int, score: Float)] = []
        for i in files.indices {
            let score = ranking.score(cosines: Array(cosines[(i * q)..<((i + 1) * q)]))
            if threshold.map({ score >= $0 }) ?? true { scored.append((i, score)) }
        }
        let kept = scored.sorted { $0.score > $1.score || ($0.score == $1.score && $0.index < $1.index) }
        return JSONResponse.make(["results": kept.dropFirst(offset).prefix(k).map { Self.hit(id: files[$0.index].id, path: files[$0.index].path, score: $0.score) },
                                  "searched": files.count, "offset": offset, "top_k": k, "scoring": ranking.scoring.rawValue])
    }

    // MARK: Duplicates



    func duplicates(_ request: Request) async throws -> Response {
        let library = try requireLibrary()
        let query = request.uri.queryParameters
        var raw: [String: Any] = [:]
        for key in ["threshold", "folder"] { if let value = query.get(key) { raw[key] = value } }
        let fields = JSONFields(object: raw)
        let threshold = try fields.number("threshold") ?? 0.95
        guard (0.5...1).contains(threshold) else { throw APIError.badRequest("'threshold' must be between 0.5 and 1", param: "threshold") }
        let folder = try fields.string("folder").map(Self.folderPath)
        let count = try await Self.libraryCall { try await library.reader.count(folder: folder) }
        guard count <= Self.maxDuplicateImages else {
            throw APIError.badRequest("\(count) images are more than \(Self.maxDuplicateImages) to compare pairwise: narrow it with 'folder'", param: "folder")
        }
        let scans = duplicateScans
        let (files, groups) = try await Self.libraryCall { () -> ([(id: Int64, path: String)], [[(index: Int, score: Float)]]) in
            let (files, vectors) = try await library.reader.embeddings(folder: folder)
            let groups = try await Blocking.run {
                scans.wait()
                defer { scans.signal() }
                return NearDuplicates.groups(vectors, count: files.count, dimension: files.isEmpty ? 0 : vectors.count / files.count, threshold: Float(threshold))
            }
            return (files, groups)
        }
        return JSONResponse.make(["groups": groups.map { $0.map { Self.hit(id: files[$0.index].id, path: files[$0.index].path, score: $0.score) } }])
    }

    // MARK: Files

    func file(_ context: Context, thumbnail: Bool) async throws -> Response {
        let library = try requireLibrary()
        let raw = context.parameters.get("id") ?? ""
        guard let id = Int64(raw) else { throw APIError.badRequest("image id '\(raw)' is not an integer", param: "id") }
        guard let entry = try await Self.libraryCall({ try await library.reader.images(ids: [id]) })[id] else {
            throw Self.unknownImage(id, param: "id")
        }
        let data: Data
        do {
            data = try await Blocking.run {
                thumbnail ? try library.thumbnails.thumbnail(path: entry.path, hash: entry.hash) : try ServedFile.read(entry.path, indexedAs: entry.hash)
            }
        } catch {
            // The library's record outlived its file (moved, deleted, replaced by another file or a link).
            throw APIError(.notFound, "image \(id) (\(entry.path)) can no longer be read: \((error as? CLIPError)?.inputReason ?? error.localizedDescription)",
                           param: "id", code: "image_unreadable")
        }
        guard let format = thumbnail ? .jpeg : data.withUnsafeBytes({ ImageDecoder.detectFormat($0) }) else {
            throw APIError(.notFound, "image \(id) (\(entry.path)) is no longer an image", param: "id", code: "image_unreadable")
        }
        let type = Self.contentType(format)
        // The fingerprint was just checked against the bytes served, so the ETag names what is served.
        let etag = thumbnail ? "\"\(entry.hash)-\(library.thumbnails.size)\"" : "\"\(entry.hash)\""
        return Response(status: .ok, headers: [.contentType: type, .cacheControl: "private, max-age=3600", .eTag: etag],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func contentType(_ format: ImageDecoder.Format) -> String {
        switch format {
        case .jpeg: return "image/jpeg"
        case .png: return "image/png"
        case .webp: return "image/webp"
        case .gif: return "image/gif"
        case .heif: return "image/heic"
        }
    }

    // MARK: Indexing

    func indexStatus() async throws -> Response {
        let library = try requireLibrary()
        let status = library.indexer.status
        var last: [String: Any] = [:]
        if let embedded = status.embedded { last["embedded"] = embedded }
        if let failed = status.failed { last["failed"] = failed }
        if let removed = status.removed { last["removed"] = removed }
        if let error = status.error { last["error"] = error }
        if let finished = status.finishedAt { last["finished_at"] = ISO8601DateFormatter().string(from: finished) }
        let images = try await Self.libraryCall { try await library.reader.count(folder: nil) }
        // Each --index folder with its images, for the page's start (a few folders: one count each).
        var folderImages: [[String: Any]] = []
        for folder in library.folders {
            folderImages.append(["path": folder, "images": try await Self.libraryCall { try await library.reader.count(folder: folder) }])
        }
        return JSONResponse.make(["state": status.state.rawValue, "done": status.done, "total": status.total, "images": images,
                                  "folders": library.folders, "folder_images": folderImages, "library": library.reader.location,
                                  "last": last.isEmpty ? NSNull() : last])
    }

    func startIndexing() throws -> Response {
        let library = try requireLibrary()
        guard !library.folders.isEmpty else {
            throw APIError(.conflict, "this server indexes no folders: start it with --index FOLDER, or run clip index", code: "no_index_folders")
        }
        let started = library.reindex()
        return JSONResponse.make(["started": started, "state": library.indexer.status.state.rawValue], status: .accepted)
    }

    // MARK: Shared

    static func hit(id: Int64, path: String, score: Float) -> [String: Any] {
        describe(id: id, path: path).merging(["score": Double(score)]) { a, _ in a }
    }

    static func describe(id: Int64, path: String) -> [String: Any] {
        ["id": id, "path": path, "thumbnail_url": "/v1/thumbnails/\(id)", "image_url": "/v1/images/\(id)"]
    }

    /// The library images `ids` name, in that order; an id the library does not hold is a 404 naming it.
    private func libraryImages(_ library: ServedLibrary, ids: [Int64]) async throws -> [LibraryImage] {
        let found = try await Self.libraryCall { try await library.reader.images(ids: ids) }
        return try ids.map { id in
            guard let image = found[id] else { throw Self.unknownImage(id, param: "ids") }
            return image
        }
    }

    /// A stored vector of another size than the served model's: the library was re-bound to another model
    /// since the server started (503; a restart with that model, or re-indexing, mends it).
    static func sameModel(_ vector: [Float], _ served: ServedModel) throws -> [Float] {
        guard vector.count == served.dimension else {
            throw APIError(.serviceUnavailable, "the library now holds \(vector.count)-d vectors of another model, not this server's \(served.dimension)-d ones: restart the server with that model, or re-index", type: "server_error")
        }
        return vector
    }

    static func unknownImage(_ id: Int64, param: String) -> APIError {
        APIError(.notFound, "no image with id \(id) in the library", param: param, code: "image_not_found")
    }

    /// `folder` as the stores hold paths (absolute, standardised); a NUL is no path (and PostgreSQL's text
    /// type would refuse it: a 503 for a client's mistake).
    static func folderPath(_ folder: String) throws -> String {
        guard !folder.contains("\u{0}") else { throw APIError.badRequest("'folder' contains a NUL character", param: "folder") }
        return URL(fileURLWithPath: (folder as NSString).expandingTildeInPath).standardizedFileURL.path
    }

    /// A question to the library; one it cannot answer (its database is down) is the server's problem (503),
    /// and the next request asks again.
    static func libraryCall<T: Sendable>(_ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch let error as APIError {
            throw error
        } catch {
            // The cause names the database's host, port, user and name: for the server's log, not the client.
            libraryLog.error("the library cannot be read: \((error as? CLIPError)?.description ?? "\(error)")")
            throw APIError(.serviceUnavailable, "the library cannot be read right now (its database is unreachable or failing); the server's log says why, and the next request tries again",
                           type: "server_error", code: "library_unavailable")
        }
    }
}
