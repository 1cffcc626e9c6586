import Foundation
import Hummingbird

/// JSON answers, keys sorted and slashes unescaped. The embeddings routes write theirs with
/// JSONSerialization (the vectors are large; Codable would box every float); the library's response types
/// are `Encodable`, written with the same options and the same number format (the shortest text that
/// reads back as the same Double).
enum JSONResponse {
    static func make(_ object: Any, status: HTTPResponse.Status = .ok) -> Response {
        let options: JSONSerialization.WritingOptions = [.withoutEscapingSlashes, .sortedKeys]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: options) else {
            return unwritable
        }
        return response(data, status: status)
    }

    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        // Both writers sort keys by their bytes when, as here, every key is lower case without digits.
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        guard let data = try? encoder.encode(value) else { return unwritable }
        return response(data, status: status)
    }

    private static func response(_ data: Data, status: HTTPResponse.Status) -> Response {
        let body = ResponseBody(byteBuffer: ByteBuffer(bytes: data))
        return Response(status: status, headers: [.contentType: "application/json"], body: body)
    }

    /// A value JSON cannot hold (a NaN score): a 500 with no internals.
    private static var unwritable: Response {
        let error = Data(
            (#"{"error":{"message":"the answer could not be written as JSON","type":"server_error","#
                + #""param":null,"code":null}}"#).utf8)
        return Response(
            status: .internalServerError, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: error)))
    }
}
