import Foundation

/// The boundary parameter of a `multipart/form-data` content type, checked before MultipartKit sees it:
/// its parser traps on an empty boundary (`precondition(!boundary.isEmpty)`), which one request with
/// `boundary=` turned into a dead server. RFC 2046 §5.1.1: 1–70 characters from a fixed set, not ending
/// in a space; the value may be a quoted string.
enum MultipartBoundary {
    enum Problem: Error, CustomStringConvertible {
        case missing
        case empty
        case tooLong(Int)
        case badCharacter(Character)
        case unterminatedQuote

        var description: String {
            switch self {
            case .missing: return "multipart/form-data needs a boundary parameter"
            case .empty: return "the multipart boundary is empty"
            case let .tooLong(count): return "the multipart boundary has \(count) characters; at most 70 are allowed"
            case let .badCharacter(c):
                return "the multipart boundary contains \(c.debugDescription), which RFC 2046 does not allow"
            case .unterminatedQuote: return "the multipart boundary opens a quote it does not close"
            }
        }
    }

    /// Letters, digits and `'()+_,-./:=?` and space (RFC 2046's bchars).
    static func isAllowed(_ c: Character) -> Bool {
        guard c.isASCII, let v = c.asciiValue else { return false }
        return (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A)
            || "'()+_,-./:=? ".contains(c)
    }

    /// The boundary of `contentType`; nil when it is not `multipart/form-data` at all.
    static func parse(_ contentType: String?) throws(Problem) -> String? {
        guard let contentType else { return nil }
        let parameters = contentType.split(separator: ";", omittingEmptySubsequences: false)
        guard let type = parameters.first,
            type.trimmingCharacters(in: .whitespaces).lowercased() == "multipart/form-data"
        else { return nil }
        for parameter in parameters.dropFirst() {
            let pair = parameter.trimmingCharacters(in: .whitespaces)
            guard pair.lowercased().hasPrefix("boundary=") else { continue }
            var value = Substring(pair.dropFirst("boundary=".count))
            if value.hasPrefix("\"") {
                guard value.count >= 2, value.hasSuffix("\"") else { throw .unterminatedQuote }
                value = value.dropFirst().dropLast()
            }
            guard !value.isEmpty else { throw .empty }
            guard value.count <= 70 else { throw .tooLong(value.count) }
            if let bad = value.first(where: { !isAllowed($0) }) { throw .badCharacter(bad) }
            guard value.last != " " else { throw .badCharacter(" ") }
            return String(value)
        }
        throw .missing
    }

    /// Refuses a form of more than `maxParts` parts, or a part whose headers run past `maxHeaderBytes`,
    /// before multipart-kit reads it: its decoder adds each header with a linear scan and copies its list
    /// on every part, so 10⁵ header lines or parts in a body under the size limit cost minutes of CPU.
    /// The forms this server reads have a handful of short parts. Linear in the body.
    static func checkShape(_ body: Data, boundary: String, maxParts: Int = 16, maxHeaderBytes: Int = 8_192)
        throws(ShapeProblem)
    {
        let delimiter = Data(("--" + boundary).utf8), blankLine = Data("\r\n\r\n".utf8)
        var parts = 0
        var cursor = body.startIndex
        while let found = body.range(of: delimiter, in: cursor..<body.endIndex) {
            cursor = found.upperBound
            // The closing delimiter ("--" after it) ends the form.
            if body[cursor...].starts(with: Data("--".utf8)) { break }
            parts += 1
            guard parts <= maxParts else { throw .tooManyParts(maxParts) }
            let window = cursor..<min(body.endIndex, cursor + maxHeaderBytes)
            guard let end = body.range(of: blankLine, in: window) else {
                if window.upperBound == body.endIndex { break }  // truncated: multipart-kit names that
                throw .headersTooLong(part: parts, limit: maxHeaderBytes)
            }
            cursor = end.upperBound
        }
    }

    enum ShapeProblem: Error, CustomStringConvertible {
        case tooManyParts(Int)
        case headersTooLong(part: Int, limit: Int)

        var description: String {
            switch self {
            case let .tooManyParts(limit): return "the multipart form has more than \(limit) parts"
            case let .headersTooLong(part, limit):
                return "part \(part) of the multipart form has more than \(limit) bytes of headers"
            }
        }
    }
}
