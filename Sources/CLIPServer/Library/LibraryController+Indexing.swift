import CLIP
import CLIPSearch
import Foundation
import Hummingbird

/// `GET /v1/index/status`' answer: the background indexer's state and what the library holds.
struct IndexStatusResponse: Encodable, Sendable {
    /// The last finished pass; each count absent when it did not get that far.
    struct Last: Encodable, Sendable {
        let embedded: Int?
        let failed: Int?
        let removed: Int?
        let error: String?
        let finishedAt: String?

        enum CodingKeys: String, CodingKey {
            case embedded, failed, removed, error
            case finishedAt = "finished_at"
        }

        var isEmpty: Bool { embedded == nil && failed == nil && removed == nil && error == nil && finishedAt == nil }
    }

    struct FolderImages: Encodable, Sendable {
        let path: String
        let images: Int
    }

    let state: String
    let done: Int
    let total: Int
    let images: Int
    let folders: [String]
    let folderImages: [FolderImages]
    let library: String
    /// `null` before the first pass ends (written, not left out).
    let last: Last?

    enum CodingKeys: String, CodingKey {
        case state, done, total, images, folders, library, last
        case folderImages = "folder_images"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(state, forKey: .state)
        try container.encode(done, forKey: .done)
        try container.encode(total, forKey: .total)
        try container.encode(images, forKey: .images)
        try container.encode(folders, forKey: .folders)
        try container.encode(folderImages, forKey: .folderImages)
        try container.encode(library, forKey: .library)
        try container.encode(last, forKey: .last)
    }
}

/// `POST /v1/index`' answer (202): whether a pass started now (false: one was running) and the state.
struct IndexStartResponse: Encodable, Sendable {
    let started: Bool
    let state: String
}

/// `GET /v1/index/status` and `POST /v1/index`: the background indexer of the `--index` folders.
extension LibraryController {
    func indexStatus() async throws -> Response {
        let library = try requireLibrary()
        let status = library.indexer.status
        let last = IndexStatusResponse.Last(
            embedded: status.embedded, failed: status.failed, removed: status.removed, error: status.error,
            finishedAt: status.finishedAt.map { ISO8601DateFormatter().string(from: $0) })
        let images = try await Self.libraryCall { try await library.store.count(under: []) }
        // Each --index folder with its images, for the page's start (a few folders: one count each).
        var folderImages: [IndexStatusResponse.FolderImages] = []
        for folder in library.folders {
            let roots = LibraryRequest.roots(folder)
            let count = try await Self.libraryCall { try await library.store.count(under: roots) }
            folderImages.append(.init(path: folder, images: count))
        }
        return JSONResponse.make(
            IndexStatusResponse(
                state: status.state.rawValue, done: status.done, total: status.total, images: images,
                folders: library.folders, folderImages: folderImages, library: library.store.location,
                last: last.isEmpty ? nil : last))
    }

    func startIndexing() throws -> Response {
        let library = try requireLibrary()
        guard !library.folders.isEmpty else {
            throw APIError(
                .conflict, "this server indexes no folders: start it with --index FOLDER, or run clip index",
                code: "no_index_folders")
        }
        let started = library.reindex()
        return JSONResponse.make(
            IndexStartResponse(started: started, state: library.indexer.status.state.rawValue), status: .accepted)
    }
}
