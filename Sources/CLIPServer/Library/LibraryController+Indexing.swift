import CLIP
import CLIPSearch
import Foundation
import Hummingbird

/// `GET /v1/index/status` and `POST /v1/index`: the background indexer of the `--index` folders.
extension LibraryController {
    func indexStatus() async throws -> Response {
        let library = try requireLibrary()
        let status = library.indexer.status
        var last: [String: Any] = [:]
        if let embedded = status.embedded { last["embedded"] = embedded }
        if let failed = status.failed { last["failed"] = failed }
        if let removed = status.removed { last["removed"] = removed }
        if let error = status.error { last["error"] = error }
        if let finished = status.finishedAt { last["finished_at"] = ISO8601DateFormatter().string(from: finished) }
        let images = try await Self.libraryCall { try await library.store.count(under: []) }
        // Each --index folder with its images, for the page's start (a few folders: one count each).
        var folderImages: [[String: Any]] = []
        for folder in library.folders {
            folderImages.append([
                "path": folder,
                "images": try await Self.libraryCall {
                    try await library.store.count(under: LibraryRequest.roots(folder))
                },
            ])
        }
        return JSONResponse.make([
            "state": status.state.rawValue, "done": status.done, "total": status.total, "images": images,
            "folders": library.folders, "folder_images": folderImages, "library": library.store.location,
            "last": last.isEmpty ? NSNull() : last,
        ])
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
            ["started": started, "state": library.indexer.status.state.rawValue], status: .accepted)
    }
}
