import Foundation

/// Why a batcher refused or dropped a request.
public enum BatcherError: Error, Equatable, Sendable {
    /// More inputs are waiting than `maxQueue`: the caller should retry later (HTTP 429).
    case queueFull
    /// The request waited past its deadline before its pass started (HTTP 504).
    case timedOut
}

/// Dynamic batching for one tower: concurrent requests are merged into one forward pass of up to `maxBatch`
/// inputs, each waiting at most `maxDelay` for company. The model runs on the batcher's own thread, never on
/// Swift's cooperative pool (a forward pass blocks for milliseconds to seconds). A request cancelled by its
/// client before its pass starts is dropped without being computed.
public final class EmbeddingBatcher<Input: Sendable>: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var maxBatch: Int
        /// Seconds the first request of a pass waits for others.
        public var maxDelay: Double
        /// Inputs allowed to wait; beyond it `embed` throws `queueFull` at once.
        public var maxQueue: Int
        /// Seconds a request may wait before its pass starts; nil: no limit.
        public var timeout: Double?

        public init(maxBatch: Int = 32, maxDelay: Double = 0.005, maxQueue: Int = 4096, timeout: Double? = nil) {
            self.maxBatch = max(1, maxBatch)
            self.maxDelay = max(0, maxDelay)
            self.maxQueue = max(1, maxQueue)
            self.timeout = timeout
        }
    }

    /// Embeds one pass's inputs, returning one result per input, in order.
    public typealias Process = @Sendable ([Input]) -> [Result<[Float], Error>]

    private final class Pending: @unchecked Sendable {
        let inputs: [Input]
        let arrived: Double
        let continuation: CheckedContinuation<[Result<[Float], Error>], Error>
        var cancelled = false
        init(inputs: [Input], arrived: Double, continuation: CheckedContinuation<[Result<[Float], Error>], Error>) {
            self.inputs = inputs
            self.arrived = arrived
            self.continuation = continuation
        }
    }

    public let configuration: Configuration
    private let process: Process
    private let condition = NSCondition()
    private var queue: [Pending] = []
    private var queuedInputs = 0
    private var stopping = false
    /// Sizes of the passes run so far (for metrics and tests), newest last; at most 1,024 kept.
    public private(set) var recentBatchSizes: [Int] = []
    private var passObserver: (@Sendable (Int) -> Void)?

    /// Called with each pass's size, on the batcher's thread (metrics).
    public func observePasses(_ observer: @escaping @Sendable (Int) -> Void) {
        condition.lock()
        passObserver = observer
        condition.unlock()
    }

    public init(configuration: Configuration = Configuration(), name: String, process: @escaping Process) {
        self.configuration = configuration
        self.process = process
        // The thread holds the batcher until `shutdown` lets its loop end; nothing holds the thread (a stored
        // reference made a cycle through its closure, and an unloaded model's weights were never freed).
        let thread = Thread { self.loop() }
        thread.name = name
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Inputs waiting for a pass.
    public var queueDepth: Int {
        condition.lock()
        defer { condition.unlock() }
        return queuedInputs
    }

    /// One result per input: an embedding, or that input's own error (a bad image fails alone).
    public func embed(_ inputs: [Input]) async throws -> [Result<[Float], Error>] {
        guard !inputs.isEmpty else { return [] }
        let box = PendingBox()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                condition.lock()
                defer { condition.unlock() }
                guard !stopping else {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                guard queuedInputs + inputs.count <= configuration.maxQueue || queue.isEmpty else {
                    continuation.resume(throwing: BatcherError.queueFull)
                    return
                }
                let pending = Pending(inputs: inputs, arrived: Self.now(), continuation: continuation)
                box.pending = pending
                queue.append(pending)
                queuedInputs += inputs.count
                condition.signal()
            }
        } onCancel: {
            condition.lock()
            box.pending?.cancelled = true
            condition.unlock()
        }
    }

    /// Finishes what is queued, then stops the thread.
    public func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    private final class PendingBox: @unchecked Sendable {
        var pending: Pending?
    }

    private static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    private func loop() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if queue.isEmpty && stopping {
                condition.unlock()
                return
            }
            // Wait for company until the first request has waited maxDelay or the pass is full.
            let deadline = queue[0].arrived + configuration.maxDelay
            while queuedInputs < configuration.maxBatch && !stopping {
                let left = deadline - Self.now()
                if left <= 0 { break }
                _ = condition.wait(until: Date(timeIntervalSinceNow: left))
            }
            var taken: [Pending] = [], count = 0
            while let first = queue.first, taken.isEmpty || count + first.inputs.count <= configuration.maxBatch {
                queue.removeFirst()
                queuedInputs -= first.inputs.count
                taken.append(first)
                count += first.inputs.count
            }
            condition.unlock()
            run(taken)
        }
    }

    private func run(_ taken: [Pending]) {
        let now = Self.now()
        var live: [Pending] = []
        for pending in taken {
            if pending.cancelled {
                pending.continuation.resume(throwing: CancellationError())
            } else if let timeout = configuration.timeout, now - pending.arrived > timeout {
                pending.continuation.resume(throwing: BatcherError.timedOut)
            } else {
                live.append(pending)
            }
        }
        guard !live.isEmpty else { return }
        let inputs = live.flatMap(\.inputs)
        let results = process(inputs)
        condition.lock()
        recentBatchSizes.append(inputs.count)
        if recentBatchSizes.count > 1024 { recentBatchSizes.removeFirst(recentBatchSizes.count - 1024) }
        let observer = passObserver
        condition.unlock()
        observer?(inputs.count)
        var start = 0
        for pending in live {
            pending.continuation.resume(returning: Array(results[start..<(start + pending.inputs.count)]))
            start += pending.inputs.count
        }
    }
}
