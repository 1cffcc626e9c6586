import CLIP
import Foundation

/// The one place the CLI says that this CPU resolved `--precision` to another format (bf16 asked on a CPU without
/// BF16 instructions runs fp32): once per process on stderr, however many towers a command loads.
enum PrecisionNotice {
    nonisolated(unsafe) private static var said = false
    private static let lock = NSLock()

    /// `precision` resolved on this CPU's kernels, saying so once where the CPU forced another format.
    static func packing(_ precision: Precision, smoothing: Bool = true) -> LinearPacking {
        let packing = LinearPacking(precision, smoothing: smoothing)
        if let notice = packing.notice { once(notice) }
        return packing
    }

    private static func once(_ notice: String) {
        lock.lock()
        defer { lock.unlock() }
        guard !said else { return }
        said = true
        FileHandle.standardError.write(Data((notice + "\n").utf8))
    }
}
