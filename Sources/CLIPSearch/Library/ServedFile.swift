import CLIP
import Foundation

/// Reads a library file for serving it, under one rule for images and thumbnails alike: **serve what was
/// indexed.** The indexer follows symbolic links (`FileScanner`), so a served path may pass through them
/// too; but the file must still be the one the library recorded, recognised by its content fingerprint
/// (`ContentHash`: size, first and last 64 KiB). A link put in a photo's place after indexing, or another
/// file hard-linked over it, is refused until the next index pass records it; nothing outside what was
/// indexed is ever served. Read rather than mapped: a file truncated meanwhile is an error, not SIGBUS.
public enum ServedFile {
    /// The bytes of `path` if they are still the file fingerprinted `hash`.
    public static func read(_ path: String, indexedAs hash: String) throws -> Data {
        let (fd, size) = try openRegular(path)
        defer { close(fd) }
        var data = Data(count: size)
        var done = 0
        let ok = data.withUnsafeMutableBytes { buffer -> Bool in
            while done < buffer.count {
                let n = Foundation.read(fd, buffer.baseAddress! + done, buffer.count - done)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }
                done += n
            }
            return true
        }
        guard ok else {
            throw CLIPError.input(file: path, reason: "could not be read to the end (\(done) of \(size) bytes)")
        }
        guard ContentHash.of(data: data) == hash else { throw changed(path) }
        return data
    }

    /// Checks that `path` is still the file fingerprinted `hash`, reading at most 128 KiB of it (for a
    /// thumbnail already made).
    public static func verify(_ path: String, indexedAs hash: String) throws {
        let (fd, size) = try openRegular(path)
        defer { close(fd) }
        guard ContentHash.of(fd: fd, size: Int64(size)) == hash else { throw changed(path) }
    }

    /// The open file and its size, if `path` is a regular file.
    private static func openRegular(_ path: String) throws -> (fd: Int32, size: Int) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)  // O_NONBLOCK: a FIFO put in its place must not hang
        guard fd >= 0 else { throw CLIPError.input(file: path, reason: String(cString: strerror(errno))) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw CLIPError.input(file: path, reason: "is not a regular file")
        }
        return (fd, Int(info.st_size))
    }

    private static func changed(_ path: String) -> CLIPError {
        CLIPError.input(
            file: path,
            reason:
                """
                    is not the file the library indexed any more (its content changed, or another file or link took \
                    its place); the next index pass records it
                    """
        )
    }
}
