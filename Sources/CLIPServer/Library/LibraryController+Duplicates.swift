import CLIP
import CLIPSearch
import Foundation
import Hummingbird

/// `GET /v1/duplicates`: near-duplicate groups of a folder or the library.
extension LibraryController {
    func duplicates(_ request: Request) async throws -> Response {
        let library = try requireLibrary()
        let query = request.uri.queryParameters
        var raw: [String: Any] = [:]
        for key in ["threshold", "folder"] { if let value = query.get(key) { raw[key] = value } }
        let fields = JSONFields(object: raw)
        let threshold = try fields.number("threshold") ?? 0.95
        guard (0.5...1).contains(threshold) else {
            throw APIError.badRequest("'threshold' must be between 0.5 and 1", param: "threshold")
        }
        let folder = try fields.string("folder").map(LibraryRequest.folderPath)
        let count = try await Self.libraryCall { try await library.store.count(under: LibraryRequest.roots(folder)) }
        guard count <= LibraryRequest.maxDuplicateImages else {
            throw APIError.badRequest(
                "\(count) images are more than \(LibraryRequest.maxDuplicateImages) to compare pairwise: "
                    + "narrow it with 'folder'",
                param: "folder")
        }
        let scans = duplicateScans
        let (files, groups) = try await Self.libraryCall {
            () -> ([(id: Int64, path: String)], [[(index: Int, score: Float)]]) in
            let (files, vectors) = try await library.store.embeddings(under: LibraryRequest.roots(folder))
            let groups = try await Blocking.run {
                scans.wait()
                defer { scans.signal() }
                return NearDuplicates.groups(
                    vectors, count: files.count, dimension: files.isEmpty ? 0 : vectors.count / files.count,
                    threshold: Float(threshold))
            }
            return (files, groups)
        }
        return JSONResponse.make([
            "groups": groups.map {
                $0.map { Self.hit(id: files[$0.index].id, path: files[$0.index].path, score: $0.score) }
            }
        ])
    }
}
