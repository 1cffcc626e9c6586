import CLIP
import Foundation

/// Writes to a file descriptor that say why they failed. `pwrite` may write less than asked without an
/// error (POSIX allows it; the file system was full, a quota or the file-size limit was reached midway):
/// errno is then whatever an earlier call left, so it must not be printed as the cause. The rest is
/// written again; a write that then fails or writes nothing is a short write, reported with what it did
/// write. errno is read right after the call that set it.
enum FileWrite {
    /// All `bytes` at `offset`, or an error naming `file`, what was being written and the cause.
    static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: off_t, file: String, what: String) throws
    {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        var done = 0
        while done < bytes.count {
            let written = pwrite(fd, base + done, bytes.count - done, offset + off_t(done))
            let error = errno
            if written > 0 {
                done += written
                continue
            }
            if written < 0, error == EINTR { continue }
            var reason = "cannot write \(what): "
            if done > 0 || written == 0 {
                // The first call wrote part (or nothing, without an error): the device or quota is full.
                reason += "short write: wrote \(done) of \(bytes.count) bytes (disk full?)"
                if written < 0 { reason += ": " + String(cString: strerror(error)) }
            } else {
                reason += String(cString: strerror(error))
            }
            throw CLIPError.io(file: file, reason: reason)
        }
    }

    /// `fsync`, or an error naming `file` and the cause.
    static func sync(_ fd: Int32, file: String, what: String) throws {
        while fsync(fd) != 0 {
            let error = errno
            guard error == EINTR else {
                throw CLIPError.io(
                    file: file, reason: "cannot sync \(what) to disk: \(String(cString: strerror(error)))")
            }
        }
    }

    /// `ftruncate` to `length`, or an error naming `file` and the cause.
    static func truncate(_ fd: Int32, to length: off_t, file: String, what: String) throws {
        while ftruncate(fd, length) != 0 {
            let error = errno
            guard error == EINTR else {
                throw CLIPError.io(
                    file: file, reason: "cannot cut \(what) to \(length) bytes: \(String(cString: strerror(error)))")
            }
        }
    }
}
