import Foundation

/// Strict base64 for image inputs: the standard alphabet, `=` padding (added when a client left it off),
/// and line breaks or spaces between groups, as MIME encoders write them. Anything else is the client's
/// mistake and is named, rather than skipped: Foundation's `.ignoreUnknownCharacters` accepted a payload
/// of garbage with a few base64 letters in it, and the decoder then failed on bytes nobody sent.
enum Base64Payload {
    static func decode(_ payload: Substring, name: String, param: String) throws -> Data {
        // Most clients send one unbroken, padded run: Foundation's strict decoder takes it as is.
        if let data = Data(base64Encoded: String(payload)), !data.isEmpty { return data }
        var text = String.UnicodeScalarView()
        text.reserveCapacity(payload.utf8.count)
        for (offset, scalar) in payload.unicodeScalars.enumerated() {
            switch scalar {
            case "A"..."Z", "a"..."z", "0"..."9", "+", "/", "=":
                text.append(scalar)
            case " ", "\n", "\r", "\t":
                continue
            case "-", "_":
                throw APIError.badRequest(
                    "\(name) uses URL-safe base64 ('\(scalar)' at character \(offset)); send standard base64 (+ and /)",
                    param: param)
            default:
                throw APIError.badRequest(
                    "\(name) is not valid base64: \(Character(scalar).debugDescription) at character \(offset)",
                    param: param)
            }
        }
        var padded = String(text)
        if padded.utf8.count % 4 != 0 && !padded.hasSuffix("=") {
            padded += String(repeating: "=", count: 4 - padded.utf8.count % 4)
        }
        guard let data = Data(base64Encoded: padded), !data.isEmpty else {
            throw APIError.badRequest("\(name) is not valid base64 (its length or padding is wrong)", param: param)
        }
        return data
    }
}
