import Foundation
import Logging

/// Ends the process `seconds` after the first SIGTERM or SIGINT, if it is still running then: the bound on
/// shutdown that holds even when some work ignores cancellation. Listens beside the service group's own
/// handlers (a signal reaches every dispatch source that watches it; the group sets the signals ignored).
final class ShutdownWatchdog: @unchecked Sendable {
    private let queue = DispatchQueue(label: "swiftclip.shutdown-watchdog")
    private var sources: [DispatchSourceSignal] = []
    /// Read and written on `queue` only.
    private var armed = false

    init(after seconds: Double, logger: Logger) {
        sources = [SIGTERM, SIGINT].map { signal in
            let source = DispatchSource.makeSignalSource(signal: signal, queue: queue)
            source.setEventHandler { [unowned self] in
                guard !armed else { return }
                armed = true
                queue.asyncAfter(deadline: .now() + seconds) {
                    logger.warning(
                        """
                            shutdown: still running \(seconds) s after the signal (work that ignores cancellation); \
                            exiting
                            """
                    )
                    exit(0)
                }
            }
            source.resume()
            return source
        }
    }

    /// Stops watching (the group ended by itself). A timer already started still fires: the process is
    /// ending anyway.
    func disarm() { sources.forEach { $0.cancel() } }
}
