import CLIPServer
import Foundation
import XCTest

/// `EmbeddingBatcher`: concurrent requests share passes, in order, bounded; a full queue, a deadline and a
/// cancelled client are answered without computing.
final class BatcherTests: XCTestCase {
    /// Records every pass; "embeds" a number as a one-element vector (0 → an error for that input alone).
    final class Recorder: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var passes: [[Int]] = []
        let delay: Double
        init(delay: Double = 0) { self.delay = delay }
        func process(_ inputs: [Int]) -> [Result<[Float], Error>] {
            lock.lock()
            passes.append(inputs)
            lock.unlock()
            if delay > 0 { Thread.sleep(forTimeInterval: delay) }
            return inputs.map { $0 == 0 ? .failure(BatcherError.timedOut) : .success([Float($0)]) }
        }
    }

    func testConcurrentRequestsShareAPassAndGetTheirOwnResults() async throws {
        let recorder = Recorder()
        let batcher = EmbeddingBatcher<Int>(configuration: .init(maxBatch: 8, maxDelay: 0.05), name: "test") {
            recorder.process($0)
        }
        defer { batcher.shutdown() }
        let answers = try await withThrowingTaskGroup(of: (Int, [Result<[Float], Error>]).self) { group in
            for i in 1...6 { group.addTask { (i, try await batcher.embed([i, 100 + i])) } }
            var all: [Int: [Result<[Float], Error>]] = [:]
            for try await (i, result) in group { all[i] = result }
            return all
        }
        for i in 1...6 {
            XCTAssertEqual(answers[i]!.map { try? $0.get() }, [[Float(i)], [Float(100 + i)]])
        }
        XCTAssertTrue(recorder.passes.allSatisfy { $0.count <= 8 }, "\(recorder.passes)")
        XCTAssertLessThan(recorder.passes.count, 6, "requests were batched: \(recorder.passes)")
        XCTAssertEqual(batcher.recentBatchSizes.reduce(0, +), 12)
        // A failing input fails alone.
        let mixed = try await batcher.embed([0, 5])
        XCTAssertNil(try? mixed[0].get())
        XCTAssertEqual(try mixed[1].get(), [5])
    }

    func testAFullQueueRefusesAtOnce() async throws {
        let recorder = Recorder(delay: 0.3)
        let batcher = EmbeddingBatcher<Int>(configuration: .init(maxBatch: 1, maxDelay: 0, maxQueue: 2), name: "test") {
            recorder.process($0)
        }
        defer { batcher.shutdown() }
        async let first = batcher.embed([1])  // taken by the thread, running
        try await Task.sleep(nanoseconds: 50_000_000)
        async let second = batcher.embed([2, 3])  // waits: the queue now holds 2
        try await Task.sleep(nanoseconds: 50_000_000)
        do {
            _ = try await batcher.embed([4])
            XCTFail("expected queueFull")
        } catch {
            XCTAssertEqual(error as? BatcherError, .queueFull)
        }
        _ = try await (first, second)
    }

    func testDeadlinesAndCancellationSkipTheWork() async throws {
        let recorder = Recorder(delay: 0.2)
        let batcher = EmbeddingBatcher<Int>(configuration: .init(maxBatch: 1, maxDelay: 0, timeout: 0.1), name: "test")
        { recorder.process($0) }
        defer { batcher.shutdown() }
        async let running = batcher.embed([1])
        try await Task.sleep(nanoseconds: 30_000_000)
        let late = Task { try await batcher.embed([2]) }  // waits 0.2 s > its 0.1 s deadline
        try await Task.sleep(nanoseconds: 10_000_000)
        let cancelled = Task { try await batcher.embed([3]) }
        try await Task.sleep(nanoseconds: 10_000_000)
        cancelled.cancel()
        _ = try await running
        do {
            _ = try await late.value
            XCTFail("expected timedOut")
        } catch {
            XCTAssertEqual(error as? BatcherError, .timedOut)
        }
        do {
            _ = try await cancelled.value
            XCTFail("expected cancellation")
        } catch {
            XCTAssertTrue(error is CancellationError, "\(error)")
        }
        XCTAssertEqual(recorder.passes, [[1]], "neither the late nor the cancelled request was computed")
    }

    func testRefusalsBecome429And504() {
        let full = APIError(refusal: .queueFull)
        XCTAssertEqual(full.status, .tooManyRequests)
        XCTAssertEqual(full.retryAfter, 1)
        XCTAssertEqual(full.code, "queue_full")
        let late = APIError(refusal: .timedOut)
        XCTAssertEqual(late.status, .gatewayTimeout)
        XCTAssertNil(late.retryAfter)
    }
}
