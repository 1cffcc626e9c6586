import CLIP
import CLIPTestSupport
import Foundation
import XCTest

/// `clip serve` against clients that hold connections (issue 24): idle, stalled mid-request, claiming a body
/// they never send, more connections than the cap, and SIGTERM while a body is half sent. Loopback only;
/// every wait is bounded.
extension CLITests {
    func testIdleAndStalledConnectionsAreClosedAndTheCapHolds() throws {
        let model = Fixtures.url("engine/hf_gelu_p14_fp16").path
        let (process, port) = try startServe([
            "--model", model, "--idle-timeout", "1", "--max-connections", "3", "--max-body", "1MiB"
        ])
        defer { if process.isRunning { process.terminate() } }

        // Nothing sent, half a request line, headers without their blank line, a body shorter than promised:
        // each is closed once it has sent nothing for a second (before: 90 s and more).
        let idle = try RawSocket(port: port), line = try RawSocket(port: port), headers = try RawSocket(port: port)
        try line.send("POST /v1/embe")
        try headers.send("POST /v1/embeddings HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n")
        for (name, socket) in [("idle", idle), ("partial request line", line), ("partial headers", headers)] {
            let (_, closed) = socket.read(for: 5)
            XCTAssertTrue(closed, "\(name): still open 5 s after a 1 s idle timeout")
        }
        let body = try RawSocket(port: port)
        try body.send(
            """
            POST /v1/embeddings HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \
            100\r\n\r\n{\"model\":
            """
        )
        XCTAssertTrue(body.read(for: 5).closed, "a stalled body: still open 5 s after a 1 s idle timeout")

        // A Content-Length of 10 GiB is answered 413 at once, from the header.
        let huge = try RawSocket(port: port)
        try huge.send(
            """
            POST /v1/embeddings HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \
            10737418240\r\n\r\n0123456789
            """
        )
        let (answer, _) = huge.read(for: 3, until: RawSocket.hasHead)
        XCTAssertEqual(RawSocket.status(answer), 413, String(decoding: answer, as: UTF8.self))

        // Three connections open (the cap): a fourth is not served until one of them closes.
        Thread.sleep(forTimeInterval: 1.5)  // the sockets above are closed by now
        let held = try (0..<3).map { _ in try RawSocket(port: port) }
        for socket in held { try socket.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n") }
        for socket in held { XCTAssertEqual(RawSocket.status(socket.read(for: 2, until: RawSocket.hasHead).data), 200) }
        let fourth = try RawSocket(port: port)
        try fourth.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        // (The three must stay open meanwhile: ARC would close them after their last use.)
        withExtendedLifetime(held) {
            XCTAssertEqual(
                fourth.read(for: 0.5).data.count, 0, "a fourth connection was served past --max-connections 3")
        }
        // The three go idle and are closed after a second; then the fourth is served.
        XCTAssertEqual(
            RawSocket.status(fourth.read(for: 5, until: RawSocket.hasHead).data), 200,
            "the fourth connection was never served")
        XCTAssertTrue(process.isRunning)
    }

    func testSIGTERMEndsWithinTheGraceWhateverTheClientsDo() throws {
        let model = Fixtures.url("engine/hf_gelu_p14_fp16").path
        // A long idle timeout, so only the grace can end the half-sent request.
        let (process, port) = try startServe(["--model", model, "--idle-timeout", "600", "--shutdown-grace", "1"])
        defer { if process.isRunning { process.terminate() } }
        let stalled = try RawSocket(port: port)
        try stalled.send(
            """
            POST /v1/embeddings HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \
            1000\r\n\r\n{\"model\":
            """
        )
        Thread.sleep(forTimeInterval: 0.3)
        let signalled = Date()
        process.terminate()  // SIGTERM
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertFalse(process.isRunning, "still running 10 s after SIGTERM with a 1 s grace")
        let took = Date().timeIntervalSince(signalled)
        XCTAssertLessThan(took, 5, "SIGTERM took \(took) s with a 1 s grace")
        if !process.isRunning { XCTAssertEqual(process.terminationStatus, 0) }
    }
}
