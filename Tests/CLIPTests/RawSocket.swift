import CLIP
import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// A loopback TCP connection that sends exactly the bytes a test gives it (a partial request line, a body
/// shorter than its Content-Length) and reads with a deadline: what a slow or hostile client does.
final class RawSocket {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            throw CLIPError.invalidArgument("connect: \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(fd) }

    func send(_ text: String) throws { try send(Data(text.utf8)) }

    func send(_ bytes: Data) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
            }
            guard n > 0 else { throw CLIPError.invalidArgument("send: \(String(cString: strerror(errno)))") }
            sent += n
        }
    }

    /// What arrives within `seconds` (or until `done` says the data is complete), and whether the server
    /// closed the connection (or reset it) by then.
    func read(for seconds: Double, until done: (Data) -> Bool = { _ in false }) -> (data: Data, closed: Bool) {
        var data = Data(), buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let left = deadline.timeIntervalSinceNow
            guard left > 0, !done(data) else { return (data, false) }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(max(1, left * 1000))) > 0 else { continue }
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return (data, true) }
            data.append(buffer, count: n)
        }
    }

    /// Whether `data` holds a whole response head.
    static func hasHead(_ data: Data) -> Bool { data.range(of: Data("\r\n\r\n".utf8)) != nil }

    /// The status code of the first response in `data` (0 when there is none).
    static func status(_ data: Data) -> Int {
        let line = String(decoding: data.prefix { $0 != 13 }, as: UTF8.self).split(separator: " ")
        return line.count > 1 ? Int(line[1]) ?? 0 : 0
    }
}
