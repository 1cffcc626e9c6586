import CZlib
import Foundation

/// gzip decompression of bytes in memory (the vocabulary ships gzipped inside the binary).
enum Gzip {
    /// The decompressed bytes; `name` is the file named in errors.
    static func decompress(_ data: Data, name: String) throws -> Data {
        var stream = z_stream()
        // 16 + MAX_WBITS: a gzip header and trailer around the deflate stream.
        guard inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw CLIPError.input(file: name, reason: "cannot initialise zlib")
        }
        defer { inflateEnd(&stream) }
        var out = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var status = Z_OK
        try data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: UInt8.self).baseAddress)
            stream.avail_in = UInt32(input.count)
            while status == Z_OK {
                let produced = buffer.withUnsafeMutableBufferPointer { chunk -> Int in
                    stream.next_out = chunk.baseAddress
                    stream.avail_out = UInt32(chunk.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return chunk.count - Int(stream.avail_out)
                }
                guard status == Z_OK || status == Z_STREAM_END else {
                    let detail = stream.msg.map { String(cString: $0) } ?? "code \(status)"
                    throw CLIPError.input(file: name, reason: "corrupt or truncated gzip data: \(detail)")
                }
                out.append(contentsOf: buffer[0..<produced])
            }
        }
        return out
    }
}
