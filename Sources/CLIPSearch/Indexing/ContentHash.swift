import Crypto
import Foundation

/// A fingerprint that recognises a moved or renamed file without reading all of it: sha256 of the size and
/// the first and last 64 KiB. The same from a path, an open file or bytes in memory.
enum ContentHash {
    static let edge = 65_536

    static func of(_ path: String, size: Int64) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        defer { if fd >= 0 { close(fd) } }
        return of(fd: fd, size: size)
    }

    /// From an open file (`fd` < 0: the size alone, as for a file that could not be opened).
    static func of(fd: Int32, size: Int64) -> String {
        func read(at offset: Int64) -> Data {
            guard fd >= 0 else { return Data() }
            var buffer = Data(count: edge)
            var done = 0
            buffer.withUnsafeMutableBytes { raw in
                while done < edge {
                    let n = pread(fd, raw.baseAddress! + done, edge - done, off_t(offset) + off_t(done))
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { break }
                    done += n
                }
            }
            return buffer.prefix(done)
        }
        return digest(size: size, head: read(at: 0), tail: size > Int64(2 * edge) ? read(at: size - Int64(edge)) : nil)
    }

    /// From the whole file's bytes.
    static func of(data: Data) -> String {
        let size = data.count
        return digest(size: Int64(size), head: data.prefix(edge), tail: size > 2 * edge ? data.suffix(edge) : nil)
    }

    private static func digest(size: Int64, head: Data, tail: Data?) -> String {
        var hasher = SHA256()
        withUnsafeBytes(of: size.littleEndian) { hasher.update(bufferPointer: $0) }
        hasher.update(data: head)
        if let tail { hasher.update(data: tail) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
