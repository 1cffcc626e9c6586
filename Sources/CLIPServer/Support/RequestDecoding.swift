import Foundation

/// Request bodies decoded as `Decodable` types, every problem a 400 that names its field: the request
/// types throw `DecodingError`s whose coding path ends at the field, and the path (as
/// `ConfigDecoding.fieldPath(of:)` reads a config's) becomes the error's `param`. A body that is not a JSON
/// object at all has no field to name.
enum RequestDecoding {
    /// What a request type needs from the server to check its fields (`LibraryRequest.Setting`).
    static let settingKey = CodingUserInfoKey(rawValue: "swiftclip.request.setting")!

    /// `T` from a JSON body, with `setting` for its checks.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data, setting: (any Sendable)? = nil) throws -> T {
        let decoder = JSONDecoder()
        if let setting { decoder.userInfo[settingKey] = setting }
        do {
            return try decoder.decode(T.self, from: data)
        } catch let error as DecodingError {
            guard let field = field(of: error) else {
                throw APIError.badRequest("the body is not a JSON object", param: nil, code: "invalid_json")
            }
            throw APIError.badRequest(message(of: error), param: field)
        }
    }

    /// The top-level field a decoding error is about (`vector` for `vector[3]`); nil for the body itself.
    static func field(of error: DecodingError) -> String? {
        let path: [any CodingKey]
        switch error {
        case let .keyNotFound(key, context): path = context.codingPath + [key]
        case let .typeMismatch(_, context), let .valueNotFound(_, context), let .dataCorrupted(context):
            path = context.codingPath
        @unknown default: path = []
        }
        return path.first?.stringValue
    }

    /// What the client reads: the request type's own words (`FieldProblem`), else the decoder's.
    static func message(of error: DecodingError) -> String {
        switch error {
        case let .keyNotFound(key, _): return "'\(key.stringValue)' is required"
        case let .typeMismatch(_, context), let .valueNotFound(_, context), let .dataCorrupted(context):
            return context.debugDescription
        @unknown default: return "\(error)"
        }
    }
}

extension Decoder {
    /// The setting the request is decoded with (see `RequestDecoding.decode`); a handler that forgets to
    /// give it is a bug in this server, never the client's problem.
    func setting<T>(_ type: T.Type) -> T {
        guard let setting = userInfo[RequestDecoding.settingKey] as? T else {
            preconditionFailure("\(T.self) is needed to decode this request, and the handler gave none")
        }
        return setting
    }
}
