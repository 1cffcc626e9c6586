import Foundation
import Hummingbird
import MultipartKit

/// Reads a native-API body: a JSON object, or a multipart form (`curl -F image=@photo.jpg -F top_k=5`)
/// whose text fields are read like the JSON object's and whose `image` file part is returned as bytes.
enum RequestBody {
    /// The form fields the native API reads from multipart bodies.
    struct Form: Decodable {
        var query: String?
        var like: String?
        var top_k: String?
        var offset: String?
        var folder: String?
        var image: Data?
    }

    static func read(_ request: Request, maxBody: Int, multipart: Bool = true) async throws -> (fields: JSONFields, upload: Data?) {
        let body = try await request.body.collect(upTo: maxBody)
        guard multipart, let boundary = boundary(request.headers[.contentType]) else {
            return (try JSONFields(json: Data(buffer: body)), nil)
        }
        let form: Form
        do {
            form = try FormDataDecoder().decode(Form.self, from: body, boundary: boundary)
        } catch {
            throw APIError.badRequest("the multipart body could not be read: \(error)", param: nil, code: "invalid_multipart")
        }
        var object: [String: Any] = [:]
        for (key, value) in [("query", form.query), ("like", form.like), ("top_k", form.top_k), ("offset", form.offset), ("folder", form.folder)] {
            if let value { object[key] = value }
        }
        if let image = form.image, image.isEmpty { throw APIError.badRequest("the 'image' part is empty", param: "image") }
        return (JSONFields(object: object), form.image)
    }

    /// The boundary of a `multipart/form-data` content type; nil for anything else.
    static func boundary(_ contentType: String?) -> String? {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.trimmingCharacters(in: .whitespaces)
            if pair.lowercased().hasPrefix("boundary=") {
                return String(pair.dropFirst("boundary=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        return nil
    }
}
