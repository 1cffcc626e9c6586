import Foundation

/// Just enough of the protobuf wire format to read a SentencePiece `.model` file: varints, 32-bit floats,
/// length-delimited fields (strings, bytes, nested messages), and skipping what is not needed. Every
/// failure names the file and the field path.
struct ProtobufReader {
    let data: [UInt8]
    let file: String
    let path: String
    private var position: Int
    private let end: Int

    init(_ data: [UInt8], file: String, path: String = "", range: Range<Int>? = nil) {
        self.data = data
        self.file = file
        self.path = path
        position = range?.lowerBound ?? 0
        end = range?.upperBound ?? data.count
    }

    enum Value {
        case varint(UInt64)
        case fixed32(UInt32)
        case fixed64(UInt64)
        case bytes(Range<Int>)
    }

    var atEnd: Bool { position >= end }

    func fail(_ reason: String, field: Int? = nil) -> CLIPError {
        let name = [path, field.map { "field \($0)" }].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ".")
        return CLIPError.config(source: file, field: name.isEmpty ? nil : name, reason: reason)
    }

    mutating func varint() throws -> UInt64 {
        var value: UInt64 = 0, shift: UInt64 = 0
        while true {
            guard position < end else { throw fail("truncated varint (not a SentencePiece model, or a damaged one)") }
            let byte = data[position]
            position += 1
            guard shift < 64 else { throw fail("varint longer than 64 bits") }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
    }

    /// The next field: its number and value.
    mutating func next() throws -> (field: Int, value: Value) {
        let key = try varint()
        let field = Int(key >> 3)
        guard field > 0 else { throw fail("field number 0") }
        switch key & 7 {
        case 0: return (field, .varint(try varint()))
        case 1:
            guard position + 8 <= end else { throw fail("truncated 64-bit value", field: field) }
            var v: UInt64 = 0
            for i in 0..<8 { v |= UInt64(data[position + i]) << (8 * UInt64(i)) }
            position += 8
            return (field, .fixed64(v))
        case 2:
            let length = try varint()
            guard length <= UInt64(end - position) else {
                throw fail("length \(length) runs past the end", field: field)
            }
            let range = position..<(position + Int(length))
            position += Int(length)
            return (field, .bytes(range))
        case 5:
            guard position + 4 <= end else { throw fail("truncated 32-bit value", field: field) }
            var v: UInt32 = 0
            for i in 0..<4 { v |= UInt32(data[position + i]) << (8 * UInt32(i)) }
            position += 4
            return (field, .fixed32(v))
        default:
            throw fail("unsupported wire type \(key & 7)", field: field)
        }
    }

    func string(_ range: Range<Int>, field: Int) throws -> String {
        guard let s = String(bytes: data[range], encoding: .utf8) else { throw fail("not UTF-8", field: field) }
        return s
    }

    func nested(_ range: Range<Int>, _ name: String) -> ProtobufReader {
        ProtobufReader(data, file: file, path: path.isEmpty ? name : path + "." + name, range: range)
    }
}
