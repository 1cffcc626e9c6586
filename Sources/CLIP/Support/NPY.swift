import Foundation

/// Reads and writes NumPy `.npy` files (format 1.0/2.0/3.0; little-endian `<f4`, `<f2`, `<i4`, `<i8`, C order).
public enum NPY {
    public enum Array: Sendable {
        case float32(shape: [Int], values: [Float])
        case int32(shape: [Int], values: [Int32])
        case uint8(shape: [Int], values: [UInt8])

        public var shape: [Int] {
            switch self {
            case let .float32(s, _), let .int32(s, _), let .uint8(s, _): return s
            }
        }
    }

    /// Writes `[rows..., cols]` float32 data.
    public static func write(_ values: UnsafeBufferPointer<Float>, shape: [Int], to url: URL) throws {
        try write(body: Data(buffer: values), descr: "<f4", shape: shape, to: url)
    }

    /// Writes float16 data (half the size; numpy loads it as `float16`).
    public static func writeHalf(_ values: UnsafeBufferPointer<Float>, shape: [Int], to url: URL) throws {
        let halves = values.map { Float16($0).bitPattern.littleEndian }
        try write(body: halves.withUnsafeBufferPointer { Data(buffer: $0) }, descr: "<f2", shape: shape, to: url)
    }

    public static func write(_ tensor: Tensor, to url: URL) throws {
        try write(UnsafeBufferPointer(tensor.buffer), shape: tensor.shape, to: url)
    }

    public static func write(int32 values: [Int32], shape: [Int], to url: URL) throws {
        try write(
            body: values.map(\.littleEndian).withUnsafeBufferPointer { Data(buffer: $0) }, descr: "<i4", shape: shape,
            to: url)
    }

    private static func write(body: Data, descr: String, shape: [Int], to url: URL) throws {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        // The header (with magic, version and length) is padded with spaces to a multiple of 64 bytes, ending in \n.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93]) + Data("NUMPY".utf8) + Data([1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(Data(header.utf8))
        data.append(body)
        try FileOutput.write(data, to: url)
    }

    public static func read(_ url: URL) throws -> Array {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CLIPError.io(file: url.path, reason: error.localizedDescription)
        }
        return try parse(data, file: url.path)
    }

    public static func parse(_ data: Data, file: String) throws -> Array {
        func fail(_ reason: String) -> CLIPError { .input(file: file, reason: "not a valid .npy file: \(reason)") }
        let bytes = [UInt8](data)
        guard bytes.count >= 10, bytes[0] == 0x93, String(decoding: bytes[1..<6], as: UTF8.self) == "NUMPY" else {
            throw fail("bad magic")
        }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        } else if major == 2 || major == 3, bytes.count >= 12 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        } else {
            throw fail("unsupported version \(major)")
        }
        guard headerStart + headerLength <= bytes.count else { throw fail("header runs past end of file") }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        guard let descr = field("descr", in: header)?.trimmingCharacters(in: CharacterSet(charactersIn: "'\" ")) else {
            throw fail("no descr")
        }
        guard field("fortran_order", in: header)?.trimmingCharacters(in: .whitespaces) == "False" else {
            throw fail("Fortran order is not supported")
        }
        guard let shapeText = shapeField(in: header) else { throw fail("no shape") }
        let shape = shapeText.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let count = shape.reduce(1, *)
        let body = bytes[(headerStart + headerLength)...]
        func need(_ size: Int) throws {
            guard body.count == count * size else {
                throw fail("expected \(count * size) data bytes for shape \(shape), found \(body.count)")
            }
        }
        return try body.withUnsafeBytes { raw -> Array in
            switch descr {
            case "<f4":
                try need(4)
                return .float32(
                    shape: shape,
                    values: (0..<count).map {
                        Float(
                            bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))
                        )
                    })
            case "<f2":
                try need(2)
                return .float32(
                    shape: shape,
                    values: (0..<count).map {
                        Float(
                            Float16(
                                bitPattern: UInt16(
                                    littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))))
                    })
            case "<i4":
                try need(4)
                return .int32(
                    shape: shape,
                    values: (0..<count).map {
                        Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self))
                    })
            case "<i8":
                try need(8)
                return .int32(
                    shape: shape,
                    values: (0..<count).map {
                        Int32(
                            truncatingIfNeeded: Int64(
                                littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self)))
                    })
            case "|u1":
                try need(1)
                return .uint8(shape: shape, values: [UInt8](raw.bindMemory(to: UInt8.self)))
            default: throw fail("unsupported dtype \(descr) (supported: <f4, <f2, <i4, <i8, |u1)")
            }
        }
    }

    private static func field(_ name: String, in header: String) -> String? {
        guard let range = header.range(of: "'\(name)':") else { return nil }
        let rest = header[range.upperBound...]
        let end = rest.firstIndex(of: ",") ?? rest.endIndex
        return String(rest[..<end])
    }

    private static func shapeField(in header: String) -> String? {
        guard let range = header.range(of: "'shape':"), let open = header[range.upperBound...].firstIndex(of: "("),
            let close = header[open...].firstIndex(of: ")")
        else { return nil }
        return String(header[header.index(after: open)..<close])
    }
}

extension NPY.Array {
    /// The values as a float tensor, or an error naming `file` if they are not float32.
    public func tensor(file: String) throws -> Tensor {
        guard case let .float32(shape, values) = self else {
            throw CLIPError.input(file: file, reason: "expected float32 data")
        }
        return Tensor(shape: shape, values: values)
    }
}
