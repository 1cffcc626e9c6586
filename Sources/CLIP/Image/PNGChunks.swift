import CZlib

/// The chunk structure of a PNG file (length, type, data, CRC). SwiftCLIP reads chunks itself for what
/// libpng's simplified API hides: the `eXIf` orientation and 16-bit samples before premultiplication.
struct PNGChunks {
    struct Chunk {
        let type: String
        let data: UnsafeRawBufferPointer
    }

    struct Header {
        let width: Int, height: Int, bitDepth: Int, colorType: Int, interlaced: Bool
    }

    let chunks: [Chunk]

    /// Reads chunks up to `IEND`. With `strict`, a bad CRC or a chunk running past the end is an error
    /// naming the file; without it, reading stops there (metadata look-ups must never fail a decode).
    init(_ bytes: UnsafeRawBufferPointer, name: String, strict: Bool) throws {
        var found: [Chunk] = []
        var offset = 8
        while offset + 12 <= bytes.count {
            let length = Int(Self.u32(bytes, offset))
            let type = String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self)
            guard length <= bytes.count - offset - 12 else {
                if strict {
                    throw CLIPError.input(
                        file: name, reason: "truncated PNG: chunk \(type) runs past the end of the file")
                }
                break
            }
            let body = UnsafeRawBufferPointer(rebasing: bytes[(offset + 4)..<(offset + 8 + length)])
            if strict {
                let crc = body.withMemoryRebound(to: UInt8.self) { crc32(0, $0.baseAddress, UInt32($0.count)) }
                guard crc == Self.u32(bytes, offset + 8 + length) else {
                    throw CLIPError.input(file: name, reason: "corrupt PNG: CRC mismatch in chunk \(type)")
                }
            }
            found.append(Chunk(type: type, data: UnsafeRawBufferPointer(rebasing: body[4...])))
            offset += 12 + length
            if type == "IEND" { break }
        }
        if strict, found.last?.type != "IEND" {
            throw CLIPError.input(file: name, reason: "truncated PNG: no IEND chunk")
        }
        chunks = found
    }

    func first(_ type: String) -> Chunk? { chunks.first { $0.type == type } }

    func header(name: String) throws -> Header {
        guard let ihdr = first("IHDR"), ihdr.data.count == 13 else {
            throw CLIPError.input(file: name, reason: "corrupt PNG: missing or malformed IHDR chunk")
        }
        let d = ihdr.data
        return Header(
            width: Int(Self.u32(d, 0)), height: Int(Self.u32(d, 4)), bitDepth: Int(d[8]),
            colorType: Int(d[9]), interlaced: d[12] == 1)
    }

    /// Bit depth and colour type from IHDR without reading any other chunk (IHDR is always first).
    static func format(_ bytes: UnsafeRawBufferPointer) -> (bitDepth: Int, colorType: Int)? {
        guard bytes.count >= 33, String(decoding: bytes[12..<16], as: UTF8.self) == "IHDR" else { return nil }
        return (Int(bytes[24]), Int(bytes[25]))
    }

    static func u32(_ b: UnsafeRawBufferPointer, _ o: Int) -> UInt32 {
        UInt32(b[o]) << 24 | UInt32(b[o + 1]) << 16 | UInt32(b[o + 2]) << 8 | UInt32(b[o + 3])
    }
}
