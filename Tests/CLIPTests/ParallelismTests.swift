import CLIP
import Dispatch
import XCTest

/// `Parallelism.forEachChunk` on the worker pool: every item exactly once, including when several threads
/// call it at once (one gets the pool, the others fall back to Dispatch) and when a chunk calls it again.
final class ParallelismTests: XCTestCase {
    func testEveryItemOnceUnderConcurrentAndNestedCalls() {
        let saved = Parallelism.threads
        defer { Parallelism.threads = saved }
        Parallelism.threads = 3  // more workers than this 2-core machine has cores: chunks must still all run
        let callers = 4, rounds = 300, count = 1000
        let totals = Totals(callers)
        DispatchQueue.concurrentPerform(iterations: callers) { caller in
            let marks = UnsafeMutablePointer<Int>.allocate(capacity: count)
            defer { marks.deallocate() }
            for round in 0..<rounds {
                marks.initialize(repeating: 0, count: count)
                Parallelism.forEachChunk(count) { range in
                    for i in range { marks[i] += 1 }
                    if round % 50 == 0 {
                        // Nested: runs inside a pool chunk, so it must not wait for the pool.
                        Parallelism.forEachChunk(4) { inner in for _ in inner { _ = marks[range.lowerBound] } }
                    }
                }
                if (0..<count).allSatisfy({ marks[$0] == 1 }) { totals.values[caller] += 1 }
            }
        }
        for caller in 0..<callers {
            XCTAssertEqual(totals.values[caller], rounds, "caller \(caller): rounds with every item exactly once")
        }
    }
}

/// One counter per calling thread (each thread writes only its own).
private final class Totals: @unchecked Sendable {
    let values: UnsafeMutablePointer<Int>
    init(_ count: Int) {
        values = .allocate(capacity: count)
        values.initialize(repeating: 0, count: count)
    }
    deinit { values.deallocate() }
}
