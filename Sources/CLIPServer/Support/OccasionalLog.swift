import Foundation

/// Decides when a repeated warning is worth a line: the 1st, 10th, 100th… time for each key. A client that
/// repeats one mistake thousands of times (an Immich job queue) then leaves a few lines, not thousands.
final class OccasionalLog: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]

    func shouldLog(_ key: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let count = counts[key, default: 0] + 1
        counts[key] = count
        var power = 1
        while power < count { power *= 10 }
        return power == count
    }
}
