import Foundation

/// `POST /v1/embeddings` as OpenAI defines it, plus infinity's `modality` for images. Parsed by hand from
/// JSON so that every problem names its field.
struct EmbeddingsRequest: Sendable {
    enum Modality: String, CaseIterable { case text, image }
    enum Encoding: String, CaseIterable { case float, base64 }

    static let maxInputs = 256

    let model: String
    let inputs: [String]
    let encoding: Encoding
    let dimensions: Int?
    let modality: Modality

    init(json data: Data, servedDimension: Int) throws {
        guard let object = try? JSONSerialization.jsonObject(with: data), let body = object as? [String: Any] else {
            throw APIError.badRequest("the body is not a JSON object", param: nil, code: "invalid_json")
        }
        guard let model = body["model"] as? String else {
            throw APIError.badRequest(
                body["model"] == nil ? "'model' is required" : "'model' must be a string", param: "model")
        }
        self.model = model
        switch body["input"] {
        case let text as String:
            inputs = [text]
        case let list as [Any]:
            guard list.allSatisfy({ $0 is String }) else {
                throw APIError.badRequest(
                    "'input' must be a string or an array of strings (token arrays are not accepted)", param: "input")
            }
            inputs = list as! [String]
        case nil:
            throw APIError.badRequest("'input' is required", param: "input")
        default:
            throw APIError.badRequest("'input' must be a string or an array of strings", param: "input")
        }
        guard !inputs.isEmpty else { throw APIError.badRequest("'input' is empty", param: "input") }
        guard inputs.count <= Self.maxInputs else {
            throw APIError.badRequest(
                "'input' has \(inputs.count) items; at most \(Self.maxInputs) per request", param: "input")
        }
        if let empty = inputs.firstIndex(where: \.isEmpty) {
            throw APIError.badRequest("input[\(empty)] is an empty string", param: "input")
        }
        encoding = try Self.choice(body, "encoding_format", default: Encoding.float)
        switch body["dimensions"] {
        case nil, is NSNull:
            dimensions = nil
        case let value? where Self.integer(value) != nil:
            let d = Self.integer(value)!
            guard (1...servedDimension).contains(d) else {
                throw APIError.badRequest(
                    "'dimensions' must be between 1 and \(servedDimension), not \(d)", param: "dimensions")
            }
            dimensions = d
        default:
            throw APIError.badRequest("'dimensions' must be an integer", param: "dimensions")
        }
        modality = try Self.choice(body, "modality", default: Modality.text)
        if let user = body["user"], !(user is String) {
            throw APIError.badRequest("'user' must be a string", param: "user")
        }
    }

    /// An optional string field that must name one of `T`'s cases.
    static func choice<T: RawRepresentable & CaseIterable>(_ body: [String: Any], _ key: String, default value: T)
        throws -> T
    where T.RawValue == String {
        switch body[key] {
        case nil, is NSNull:
            return value
        case let name as String:
            guard let chosen = T(rawValue: name) else {
                let names = T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " or ")
                throw APIError.badRequest("'\(key)' must be \(names), not \"\(name)\"", param: key)
            }
            return chosen
        default:
            throw APIError.badRequest("'\(key)' must be a string", param: key)
        }
    }

    /// A JSON number that is a whole number, as an Int (never `true`/`false`, which Foundation also
    /// hands back as numbers: they are told apart by their type encoding, "c").
    static func integer(_ value: Any) -> Int? {
        guard let number = value as? NSNumber, String(cString: number.objCType) != "c" else { return nil }
        if let int = value as? Int { return int }
        if let double = value as? Double, double == double.rounded(), abs(double) < 1e9 { return Int(double) }
        return nil
    }

    /// The bytes of an image input: a `data:image/…;base64,` URI (or `application/octet-stream`) or bare
    /// base64. `name` is how errors name it (`input[2]`), and its field is the part before any index.
    static func imageBytes(_ input: String, param name: String) throws -> Data {
        let param = String(name.prefix { $0 != "[" })
        var payload = Substring(input)
        if input.hasPrefix("data:") {
            guard let comma = input.firstIndex(of: ","), input[..<comma].hasSuffix(";base64") else {
                throw APIError.badRequest("\(name) is a data URI without ';base64,'", param: param)
            }
            let mediaType =
                input[input.index(input.startIndex, offsetBy: 5)..<comma].dropLast(";base64".count)
                .split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            guard mediaType.hasPrefix("image/") || mediaType == "application/octet-stream" else {
                throw APIError.badRequest(
                    """
                        \(name) is a data URI of \(mediaType.isEmpty ? "text/plain (no media type)" : mediaType), not \
                        an image (data:image/…;base64,)
                        """,
                    param: param, code: "invalid_image")
            }
            payload = input[input.index(after: comma)...]
        } else if input.hasPrefix("http://") || input.hasPrefix("https://") {
            throw APIError.badRequest(
                "\(name) is a URL; this server never fetches remote images: send the bytes as base64", param: param)
        }
        return try Base64Payload.decode(payload, name: name, param: param)
    }
}
