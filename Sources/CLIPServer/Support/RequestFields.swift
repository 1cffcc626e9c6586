import Foundation

/// How the native API reads a field, shared by its request types. Each check throws a `DecodingError` at
/// the field (its message is what the client reads); absent and `null` are the same. Numbers may come as
/// text, as multipart form fields do.
extension KeyedDecodingContainer {
    func has(_ key: Key) -> Bool {
        guard contains(key) else { return false }
        return (try? decodeNil(forKey: key)) != true
    }

    /// A `DecodingError` at `key` saying `message`.
    func problem(_ key: Key, _ message: String) -> DecodingError {
        .dataCorrupted(.init(codingPath: codingPath + [key], debugDescription: message))
    }

    func string(_ key: Key, nonEmpty: Bool = true) throws -> String? {
        guard has(key) else { return nil }
        guard let value = try? decode(String.self, forKey: key) else {
            throw problem(key, "'\(key.stringValue)' must be a string")
        }
        if nonEmpty && value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw problem(key, "'\(key.stringValue)' is an empty string")
        }
        return value
    }

    /// An integer in `range`.
    func integer(_ key: Key, default value: Int, in range: ClosedRange<Int>) throws -> Int {
        guard has(key) else { return value }
        let text = try? decode(String.self, forKey: key)
        let number = text.map { Int($0.trimmingCharacters(in: .whitespaces)) } ?? wholeNumber(key)
        guard let number else { throw problem(key, "'\(key.stringValue)' must be an integer") }
        guard range.contains(number) else {
            throw problem(
                key, "'\(key.stringValue)' must be between \(range.lowerBound) and \(range.upperBound), not \(number)")
        }
        return number
    }

    private func wholeNumber(_ key: Key) -> Int? { (try? decode(WholeNumber.self, forKey: key))?.value }

    /// A finite number.
    func number(_ key: Key) throws -> Float? {
        guard has(key) else { return nil }
        let value: Float?
        if let text = try? decode(String.self, forKey: key) {
            value = Float(text.trimmingCharacters(in: .whitespaces))
        } else {
            value = (try? decode(Double.self, forKey: key)).map { Float($0) }
        }
        guard let value, value.isFinite else { throw problem(key, "'\(key.stringValue)' must be a number") }
        return value
    }

    /// A non-empty array of non-empty strings, at most `limit` of them; a comma-separated string also does
    /// when `commaSeparated`.
    func strings(_ key: Key, limit: Int, commaSeparated: Bool = false) throws -> [String]? {
        guard has(key) else { return nil }
        let name = key.stringValue
        var list: [String]
        if commaSeparated, let text = try? decode(String.self, forKey: key) {
            list = Self.split(text, atMost: limit + 1)
        } else if var array = try? nestedUnkeyedContainer(forKey: key) {
            list = []
            while !array.isAtEnd {
                guard let item = try? array.decode(String.self) else {
                    throw problem(key, "'\(name)' must be an array of strings")
                }
                list.append(item)
            }
            if let empty = list.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                throw problem(key, "\(name)[\(empty)] is an empty string")
            }
        } else {
            let alternative = commaSeparated ? " or a comma-separated string" : ""
            throw problem(key, "'\(name)' must be an array of strings\(alternative)")
        }
        guard !list.isEmpty else { throw problem(key, "'\(name)' is empty") }
        guard list.count <= limit else {
            throw problem(key, "'\(name)' has more than \(limit) items; at most \(limit)")
        }
        return list
    }

    /// The non-empty items of a comma-separated list, read only as far as `count` items: 20 MB of "a,"
    /// would otherwise become 10 M strings first.
    private static func split(_ text: String, atMost count: Int) -> [String] {
        var list: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty, list.count < count {
            let comma = rest.firstIndex(of: ",") ?? rest.endIndex
            let item = rest[..<comma].trimmingCharacters(in: .whitespaces)
            if !item.isEmpty { list.append(item) }
            rest = comma == rest.endIndex ? "" : rest[rest.index(after: comma)...]
        }
        return list
    }

    /// A non-empty array of integers, at most `limit`.
    func integers(_ key: Key, limit: Int) throws -> [Int64]? {
        guard has(key) else { return nil }
        let name = key.stringValue
        guard var array = try? nestedUnkeyedContainer(forKey: key), let count = array.count, count > 0 else {
            throw problem(key, "'\(name)' must be a non-empty array of integers")
        }
        guard count <= limit else { throw problem(key, "'\(name)' has \(count) items; at most \(limit)") }
        var numbers: [Int64] = []
        numbers.reserveCapacity(count)
        while !array.isAtEnd {
            guard let number = try array.decode(WholeNumber.self).value else {
                throw problem(key, "\(name)[\(numbers.count)] must be an integer")
            }
            numbers.append(Int64(number))
        }
        return numbers
    }

    /// An array of exactly `count` finite numbers.
    func vector(_ key: Key, count: Int) throws -> [Float]? {
        guard has(key) else { return nil }
        let name = key.stringValue
        guard var array = try? nestedUnkeyedContainer(forKey: key) else {
            throw problem(key, "'\(name)' must be an array of numbers")
        }
        let found = array.count ?? 0
        guard found == count else {
            throw problem(key, "'\(name)' has \(found) numbers; this model's embeddings have \(count)")
        }
        var vector: [Float] = []
        vector.reserveCapacity(count)
        while !array.isAtEnd {
            guard let number = try array.decode(FiniteNumber.self).value else {
                throw problem(key, "\(name)[\(vector.count)] must be a finite number")
            }
            vector.append(number)
        }
        return vector
    }
}

/// A JSON number that is a whole number (5, 5.0, 1e2), else nil: never `true` or `false`, and never a
/// string (an id or index is a number in JSON).
private struct WholeNumber: Decodable {
    let value: Int?

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let int = try? container.decode(Int.self) {
            value = int
        } else {
            value = (try? container.decode(Double.self)).flatMap { Int(exactly: $0) }
        }
    }
}

/// A JSON number that is finite as a Float, else nil (never `true` or `false`).
private struct FiniteNumber: Decodable {
    let value: Float?

    init(from decoder: any Decoder) throws {
        let number = (try? decoder.singleValueContainer().decode(Double.self)).map { Float($0) }
        value = number.flatMap { $0.isFinite ? $0 : nil }
    }
}
