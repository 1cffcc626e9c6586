import CLIP
import Foundation

/// Hub download progress as one `ProgressLine` per file.
enum DownloadProgressLine {
    private final class Current: @unchecked Sendable {
        let lock = NSLock()
        var file: String?
        var line: ProgressLine?
    }

    private static let current = Current()

    @Sendable static func report(_ p: HubClient.Progress) {
        current.lock.lock()
        if current.file != p.file {
            current.line?.finish()
            current.file = p.file
            current.line = ProgressLine("\(p.repo) \(p.file)", total: p.total, unit: .bytes)
        }
        let line = current.line
        current.lock.unlock()
        line?.update(p.received)
    }

    static func finish() {
        current.lock.lock()
        defer { current.lock.unlock() }
        current.line?.finish()
        current.line = nil
        current.file = nil
    }
}
