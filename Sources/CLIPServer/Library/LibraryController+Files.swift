import CLIP
import CLIPSearch
import Foundation
import Hummingbird

/// `GET /v1/images/{id}` and `GET /v1/thumbnails/{id}`: only files the library holds, by their id.
extension LibraryController {
    func file(_ context: Context, thumbnail: Bool) async throws -> Response {
        let library = try requireLibrary()
        let raw = context.parameters.get("id") ?? ""
        guard let id = Int64(raw) else { throw APIError.badRequest("image id '\(raw)' is not an integer", param: "id") }
        guard let entry = try await Self.libraryCall({ try await library.store.images(ids: [id]) })[id] else {
            throw Self.unknownImage(id, param: "id")
        }
        let data: Data
        do {
            data = try await Blocking.run {
                thumbnail
                    ? try library.thumbnails.thumbnail(path: entry.path, hash: entry.hash)
                    : try ServedFile.read(entry.path, indexedAs: entry.hash)
            }
        } catch {
            // The library's record outlived its file (moved, deleted, replaced by another file or a link).
            throw APIError(
                .notFound,
                "image \(id) (\(entry.path)) can no longer be read: "
                    + ((error as? CLIPError)?.inputReason ?? error.localizedDescription),
                param: "id", code: "image_unreadable")
        }
        guard let format = thumbnail ? .jpeg : data.withUnsafeBytes({ ImageDecoder.detectFormat($0) }) else {
            throw APIError(
                .notFound, "image \(id) (\(entry.path)) is no longer an image", param: "id", code: "image_unreadable")
        }
        let type = Self.contentType(format)
        // The fingerprint was just checked against the bytes served, so the ETag names what is served.
        let etag = thumbnail ? "\"\(entry.hash)-\(library.thumbnails.size)\"" : "\"\(entry.hash)\""
        return Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "private, max-age=3600", .eTag: etag],
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
}
