import Foundation

/// Runs blocking work (decoding, file reads, scans over the library) on Dispatch's threads, so that it never
/// occupies one of Swift's cooperative threads, which the server's I/O runs on.
enum Blocking {
    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}
