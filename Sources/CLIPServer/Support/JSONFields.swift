import Foundation

/// A JSON object body read field by field: every problem is a 400 that names the field and says what it
/// must be. Multipart forms arrive here too, as their text fields. Immutable (plain JSON values), so it
/// may cross from the thread that parsed it.
struct JSONFields: @unchecked Sendable {
    let object: [String: Any]

    init(json data: Data) throws {
        guard let value = try? JSONSerialization.jsonObject(with: data), let object = value as? [String: Any] else {
            throw APIError.badRequest("the body is not a JSON object", param: nil, code: "invalid_json")
        }
        self.object = object
    }

    init(object: [String: Any]) { self.object = object }

    func has(_ key: String) -> Bool { object[key] != nil && !(object[key] is NSNull) }

    func string(_ key: String, nonEmpty: Bool = true) throws -> String? {
        guard has(key) else { return nil }
        guard let value = object[key] as? String else { throw APIError.badRequest("'\(key)' must be a string", param: key) }
        if nonEmpty && value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw APIError.badRequest("'\(key)' is an empty string", param: key)
        }
        return value
    }

    /// An integer in `range` (numbers given as text, as multipart fields are, count too).
    func integer(_ key: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
        guard has(key) else { return value }
        let raw = object[key]!
        guard let number = (raw as? String).flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) ?? EmbeddingsRequest.integer(raw) else {
            throw APIError.badRequest("'\(key)' must be an integer", param: key)
        }
        guard range.contains(number) else {
            throw APIError.badRequest("'\(key)' must be between \(range.lowerBound) and \(range.upperBound), not \(number)", param: key)
        }
        return number
    }

    func number(_ key: String) throws -> Float? {
        guard has(key) else { return nil }
        let raw = object[key]!
        guard let value = (raw as? String).flatMap({ Float($0.trimmingCharacters(in: .whitespaces)) }) ?? ((raw as? NSNumber).flatMap { String(cString: $0.objCType) == "c" ? nil : $0.floatValue }),
              value.isFinite else {
            throw APIError.badRequest("'\(key)' must be a number", param: key)
        }
        return value
    }

    /// A non-empty array of non-empty strings, at most `limit` of them; a comma-separated string also does
    /// when `commaSeparated`.
    func strings(_ key: String, limit: Int, commaSeparated: Bool = false) throws -> [String]? {
        guard has(key) else { return nil }
        var list: [String]
        switch object[key]! {
        case let text as String where commaSeparated:
            // Read only as far as one past the limit: 20 MB of "a," would otherwise become 10 M strings first.
            list = []
            var rest = Substring(text)
            while !rest.isEmpty, list.count <= limit {
                let comma = rest.firstIndex(of: ",") ?? rest.endIndex
                let item = rest[..<comma].trimmingCharacters(in: .whitespaces)
                if !item.isEmpty { list.append(item) }
                rest = comma == rest.endIndex ? "" : rest[rest.index(after: comma)...]
            }
        case let array as [Any]:
            guard array.allSatisfy({ $0 is String }) else { throw APIError.badRequest("'\(key)' must be an array of strings", param: key) }
            list = array as! [String]
            if let empty = list.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                throw APIError.badRequest("\(key)[\(empty)] is an empty string", param: key)
            }
        default:
            throw APIError.badRequest("'\(key)' must be an array of strings\(commaSeparated ? " or a comma-separated string" : "")", param: key)
        }
        guard !list.isEmpty else { throw APIError.badRequest("'\(key)' is empty", param: key) }
        guard list.count <= limit else { throw APIError.badRequest("'\(key)' has more than \(limit) items; at most \(limit)", param: key) }
        return list
    }

    /// A non-empty array of integers, at most `limit`.
    func integers(_ key: String, limit: Int) throws -> [Int64]? {
        guard has(key) else { return nil }
        guard let array = object[key] as? [Any], !array.isEmpty else {
            throw APIError.badRequest("'\(key)' must be a non-empty array of integers", param: key)
        }
        guard array.count <= limit else { throw APIError.badRequest("'\(key)' has \(array.count) items; at most \(limit)", param: key) }
        return try array.enumerated().map { i, value in
            guard let n = EmbeddingsRequest.integer(value) else { throw APIError.badRequest("\(key)[\(i)] must be an integer", param: key) }
            return Int64(n)
        }
    }

    /// An array of exactly `count` finite numbers.
    func vector(_ key: String, count: Int) throws -> [Float]? {
        guard has(key) else { return nil }
        guard let array = object[key] as? [Any] else { throw APIError.badRequest("'\(key)' must be an array of numbers", param: key) }
        guard array.count == count else {
            throw APIError.badRequest("'\(key)' has \(array.count) numbers; this model's embeddings have \(count)", param: key)
        }
        return try array.enumerated().map { i, value in
            guard let number = value as? NSNumber, String(cString: number.objCType) != "c", number.floatValue.isFinite else {
                throw APIError.badRequest("\(key)[\(i)] must be a finite number", param: key)
            }
            return number.floatValue
        }
    }
}
