import Foundation
import Hummingbird

/// An `application/x-www-form-urlencoded` body (`entries=…&text=a+dog`), as an HTML form or `curl -d`
/// sends it: Immich ML's FastAPI reads `/predict`'s text fields from such a body as well as from multipart.
/// A repeated field keeps its last value, as Starlette's form does.
enum URLEncodedForm {
    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    /// Whether `request` says its body is URL-encoded.
    static func matches(_ request: Request) -> Bool {
        guard let type = request.headers[.contentType] else { return false }
        let media = type.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
        return media.trimmingCharacters(in: .whitespaces).lowercased() == "application/x-www-form-urlencoded"
    }

    /// The fields of `body`: UTF-8, `+` for a space, percent-escapes decoded.
    static func fields(_ body: ByteBuffer) throws -> [String: String] {
        guard let text = String(validating: body.readableBytesView, as: UTF8.self) else {
            throw Problem(description: "the form body is not UTF-8")
        }
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = try decode(parts[0], what: "a field name")
            fields[key] = try decode(parts.count > 1 ? parts[1] : "", what: "field '\(key)'")
        }
        return fields
    }

    private static func decode(_ raw: Substring, what: String) throws -> String {
        guard let value = raw.replacingOccurrences(of: "+", with: " ").removingPercentEncoding else {
            throw Problem(description: "\(what) has a malformed percent-escape, or one that is not UTF-8")
        }
        return value
    }
}
