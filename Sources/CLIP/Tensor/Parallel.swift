import CKernels
import Dispatch
import Foundation

/// Threading policy: SwiftCLIP splits work itself (one contiguous chunk per core) and keeps OpenBLAS
/// single-threaded, so BLAS worker threads never spin against ours.
public enum Parallelism {
    nonisolated(unsafe) private static var configuredThreads: Int = {
        BLAS.keepSingleThreaded()
        if let value = ProcessInfo.processInfo.environment["CLIP_NUM_THREADS"], let n = Int(value), n > 0 {
            return n
        }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// Number of worker threads used by kernels. Set once at start-up (e.g. from `--threads`).
    public static var threads: Int {
        get { configuredThreads }
        set {
            BLAS.keepSingleThreaded()
            configuredThreads = max(1, newValue)
        }
    }

    /// Runs `body(range)` over `count` items split into at most `threads` contiguous chunks.
    /// Small jobs (fewer than `minChunk` items per chunk) run on fewer threads to avoid dispatch overhead.
    public static func forEachChunk(_ count: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = max(1, min(threads, count / max(1, minChunk)))
        if chunks == 1 {
            body(0..<count)
            return
        }
        let base = count / chunks, extra = count % chunks
        // Kernels hand in closures over raw pointers to disjoint ranges; each chunk touches only its own
        // range, which is the data-race freedom the Sendable check cannot see.
        withoutActuallyEscaping(body) { body in
            var run: (Int) -> Void = { chunk in
                let start = chunk * base + min(chunk, extra)
                body(start..<(start + base + (chunk < extra ? 1 : 0)))
            }
            // The worker pool (see CKernels/thread_pool.h); when another thread's job holds it, or from
            // inside one of its chunks, Dispatch runs the chunks instead.
            let pooled = withUnsafeMutablePointer(to: &run) { pointer in
                clip_pool_run(
                    chunks, threads - 1,
                    { context, chunk in
                        context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(chunk)
                    }, pointer)
            }
            if pooled == 0 {
                let shared = unsafeBitCast(run, to: (@Sendable (Int) -> Void).self)
                DispatchQueue.concurrentPerform(iterations: chunks) { shared($0) }
            }
        }
    }
}
