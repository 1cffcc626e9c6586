import CLIP
import Foundation
import Hummingbird
import MultipartKit

/// Reads a native-API body: a JSON object, or a multipart form (`curl -F image=@photo.jpg -F top_k=5`)
/// whose text fields are read like the JSON object's and whose `image` file part is returned as bytes.
/// The library's request types decode either (`RequestDecoding`).
enum RequestBody {
    /// The form fields the native API reads from multipart bodies.
    struct Form: Decodable, Sendable {
        var query: String?
        var like: String?
        var top_k: String?
        var offset: String?
        var folder: String?
        var image: Data?
    }

    /// `T` from the body: a JSON object, or with `multipart` a form whose text fields are read as the JSON
    /// object's would be (as strings) and whose `image` file part is returned beside it, as bytes.
    static func decode<T: Decodable & Sendable>(
        _ type: T.Type, _ request: Request, maxBody: Int, setting: (any Sendable)? = nil, multipart: Bool = false
    ) async throws -> (value: T, upload: Data?) {
        let boundary = multipart ? try Self.boundary(request) : nil
        let body = try await collect(request, maxBody: maxBody)
        guard let boundary else {
            let value = try await parse(body) {
                try RequestDecoding.decode(T.self, from: Data(buffer: $0), setting: setting)
            }
            return (value, nil)
        }
        let form: Form
        do {
            form = try await decodeForm(Form.self, from: body, boundary: boundary)
        } catch let problem as MultipartBoundary.ShapeProblem {
            throw APIError.badRequest("\(problem)", param: nil, code: "invalid_multipart")
        } catch {
            throw APIError.badRequest(
                "the multipart body could not be read: \(error)", param: nil, code: "invalid_multipart")
        }
        let fields = [
            ("query", form.query), ("like", form.like), ("top_k", form.top_k), ("offset", form.offset),
            ("folder", form.folder)
        ]
        var object: [String: String] = [:]
        for (key, value) in fields {
            if let value { object[key] = value }
        }
        if let image = form.image, image.isEmpty {
            throw APIError.badRequest("the 'image' part is empty", param: "image")
        }
        let value = try RequestDecoding.decode(T.self, from: try JSONEncoder().encode(object), setting: setting)
        return (value, form.image)
    }

    /// The boundary of a `multipart/form-data` request, checked (`MultipartBoundary`); nil for any other
    /// content type. A malformed one is a 400 naming the header.
    static func boundary(_ request: Request) throws -> String? {
        do {
            return try MultipartBoundary.parse(request.headers[.contentType])
        } catch {
            throw APIError.badRequest("Content-Type: \(error)", param: "Content-Type", code: "invalid_multipart")
        }
    }

    /// Bodies up to this size are parsed where the request runs; larger ones on Dispatch's threads.
    static let inlineParseBytes = 64 << 10

    /// `parse(body)`, off the cooperative threads when the body is large: a 20 MB body takes tens of
    /// milliseconds, which /healthz and every other request would otherwise wait behind on a small machine,
    /// while a small one costs less to parse than the hop to another thread.
    static func parse<T: Sendable>(_ body: ByteBuffer, _ parse: @escaping @Sendable (ByteBuffer) throws -> T)
        async throws -> T
    {
        body.readableBytes <= inlineParseBytes ? try parse(body) : try await Blocking.run { try parse(body) }
    }

    /// A multipart form decoded with multipart-kit, off the cooperative threads, once its shape is checked
    /// (`MultipartBoundary.checkShape`, which throws a `ShapeProblem`).
    static func decodeForm<T: Decodable & Sendable>(_ type: T.Type, from body: ByteBuffer, boundary: String)
        async throws -> T
    {
        try await Blocking.run {
            try MultipartBoundary.checkShape(Data(buffer: body), boundary: boundary)
            return try FormDataDecoder().decode(T.self, from: body, boundary: boundary)
        }
    }

    /// The whole body, up to `maxBody` bytes. A `Content-Length` beyond the limit is answered 413 from the
    /// header alone: waiting for 10 GiB that the client says it will send (and may never) holds the
    /// connection for nothing.
    static func collect(_ request: Request, maxBody: Int) async throws -> ByteBuffer {
        if let declared = request.headers[.contentLength], let length = Int(declared), length > maxBody {
            throw APIError.bodyTooLarge(declared: length, limit: maxBody)
        }
        return try await request.body.collect(upTo: maxBody)
    }
}
