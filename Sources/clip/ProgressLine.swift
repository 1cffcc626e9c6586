import Foundation

/// A self-rewriting stderr line: done/total, rate and ETA. Thread-safe; silent when stderr is not a
/// terminal unless forced, so logs and pipes stay clean.
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private let label: String
    private let total: Int64
    private let unit: Unit
    private let started = Date()
    private var lastDraw = Date.distantPast
    private var drawn = false
    let enabled: Bool

    enum Unit { case items(String), bytes }

    init(_ label: String, total: Int64, unit: Unit, enabled: Bool = isatty(2) != 0) {
        self.label = label
        self.total = total
        self.unit = unit
        self.enabled = enabled
    }

    func update(_ done: Int64) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        guard Date().timeIntervalSince(lastDraw) >= 0.1 || done >= total else { return }
        lastDraw = Date()
        let elapsed = max(Date().timeIntervalSince(started), 0.001)
        let rate = Double(done) / elapsed
        let eta = rate > 0 ? Int((Double(total - done) / rate).rounded()) : 0
        let percent = total > 0 ? 100 * Double(done) / Double(total) : 100
        let amounts: String
        switch unit {
        case let .items(name):
            amounts = String(format: "%lld/%lld %@  %.1f %@/s", done, total, name, rate, name)
        case .bytes:
            amounts = String(
                format: "%.1f/%.1f MB  %.1f MB/s", Double(done) / 1_048_576, Double(total) / 1_048_576, rate / 1_048_576
            )
        }
        let line = String(format: "\r%@  %3.0f%%  %@  ETA %d:%02d   ", label, percent, amounts, eta / 60, eta % 60)
        FileHandle.standardError.write(Data(line.utf8))
        drawn = true
    }

    /// For zero-shot prompt embedding: created on the first report, closed on the last.
    static let prompts = PromptProgress()

    final class PromptProgress: @unchecked Sendable {
        private var line: ProgressLine?
        func update(_ done: Int, _ total: Int) {
            if line == nil { line = ProgressLine("embedding prompts", total: Int64(total), unit: .items("prompts")) }
            line?.update(Int64(done))
            if done >= total {
                line?.finish()
                line = nil
            }
        }
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
        drawn = false
    }
}
