import Foundation

/// A parsed JSON value that keeps booleans, integers and floats apart (JSONSerialization on Linux
/// reports `0` as a Bool), so validators can say exactly which field has the wrong type.
enum JSONValue: Decodable, Equatable {
    case null, bool(Bool), int(Int), double(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let v = try? c.decode(Bool.self) {
            self = .bool(v)
        } else if let v = try? c.decode(Int.self) {
            self = .int(v)
        } else if let v = try? c.decode(Double.self) {
            self = .double(v)
        } else if let v = try? c.decode(String.self) {
            self = .string(v)
        } else if let v = try? c.decode([JSONValue].self) {
            self = .array(v)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    var bool: Bool? {
        if case let .bool(v) = self { return v }
        return nil
    }
    var int: Int? {
        if case let .int(v) = self { return v }
        return nil
    }
    var string: String? {
        if case let .string(v) = self { return v }
        return nil
    }
    var array: [JSONValue]? {
        if case let .array(v) = self { return v }
        return nil
    }
    var object: [String: JSONValue]? {
        if case let .object(v) = self { return v }
        return nil
    }
}
