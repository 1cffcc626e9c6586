import CLIP
import Foundation

/// Reads a library file for serving it: a regular file only, never through a symbolic link put in its
/// place after indexing (that could point anywhere), and read rather than mapped (a file truncated
/// meanwhile must be an error, not SIGBUS).
public enum ServedFile {
    public static func read(_ path: String) throws -> Data {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = errno == ELOOP ? "is now a symbolic link" : String(cString: strerror(errno))
            throw CLIPError.input(file: path, reason: reason)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw CLIPError.input(file: path, reason: "is not a regular file")
        }
        var data = Data(count: Int(info.st_size))
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
        guard ok else { throw CLIPError.input(file: path, reason: "could not be read to the end (\(done) of \(info.st_size) bytes)") }
        return data
    }
}
