import CLIP
import Foundation

/// One self-rewriting stderr line per file being downloaded: bytes, percent, speed, ETA.
enum DownloadProgressLine {
    private static let state = State()

    private final class State: @unchecked Sendable {
        let lock = NSLock()
        var file = "", started = Date(), active = false
    }

    @Sendable static func report(_ p: HubClient.Progress) {
        state.lock.lock()
        defer { state.lock.unlock() }
        if state.file != p.file || !state.active {
            if state.active { FileHandle.standardError.write(Data("\n".utf8)) }
            state.file = p.file
            state.started = Date()
            state.active = true
        }
        let elapsed = max(Date().timeIntervalSince(state.started), 0.001)
        let rate = Double(p.received) / elapsed
        let eta = rate > 0 ? Double(p.total - p.received) / rate : 0
        let mb = { (bytes: Int64) in String(format: "%.1f", Double(bytes) / 1_048_576) }
        let percent = p.total > 0 ? 100 * Double(p.received) / Double(p.total) : 100
        let line = String(format: "\r%@ %@  %@/%@ MB  %3.0f%%  %.1f MB/s  ETA %ds   ", p.repo, p.file, mb(p.received), mb(p.total),
                          percent, rate / 1_048_576, Int(eta.rounded()))
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func finish() {
        state.lock.lock()
        defer { state.lock.unlock() }
        if state.active { FileHandle.standardError.write(Data("\n".utf8)) }
        state.active = false
    }
}
