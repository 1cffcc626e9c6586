import Foundation

/// Runs blocking work (decoding, the model, file reads, scans over a library) on Dispatch's threads, so that
/// it never occupies one of Swift's cooperative threads, which async I/O (a server's, a database client's)
/// runs on.
public enum Blocking {
    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}
