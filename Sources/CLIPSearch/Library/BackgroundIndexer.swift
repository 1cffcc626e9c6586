import CLIP
import Foundation

/// A long-running process's indexer (`clip serve --index`): one pass at a time over some folders, in the
/// background, into whichever store the library lives in, with its progress for `/v1/index/status`.
public final class BackgroundIndexer: @unchecked Sendable {
    /// What the indexer is doing.
    public struct Status: Sendable, Equatable {
        public enum State: String, Sendable { case idle, scanning, indexing }
        public var state = State.idle
        /// Files embedded so far in this pass, of `total` to embed.
        public var done = 0
        public var total = 0
        /// The last finished pass (nil before the first).
        public var embedded: Int?
        public var failed: Int?
        public var removed: Int?
        /// Why the last pass stopped early, if it did.
        public var error: String?
        public var finishedAt: Date?
    }

    /// A store to index into for one pass, and what to do with it afterwards.
    public typealias Open = @Sendable () async throws -> (store: any LibraryStore, close: Bool)

    private let open: Open
    private let lock = NSLock()
    private var current = Status()

    public init(open: @escaping Open) {
        self.open = open
    }

    public var status: Status { lock.withLock { current } }

    /// Indexes `roots` in the background; false when a pass is already running. Decoding and the model
    /// run on Dispatch's threads; each committed batch is visible to searches at once.
    @discardableResult
    public func start(
        roots: [String], scanner: FileScanner = FileScanner(), commitEvery: Int = 64,
        makeEmbedder: @escaping @Sendable () throws -> ImageEmbedder,
        finished: (@Sendable (Result<Indexer.Report, Error>) -> Void)? = nil
    ) -> Bool {
        let started: Bool = lock.withLock {
            guard current.state == .idle else { return false }
            current.state = .scanning
            current.done = 0
            current.total = 0
            return true
        }
        guard started else { return false }
        let open = self.open
        Task.detached { [self] in
            let result: Result<Indexer.Report, Error>
            do {
                let (store, close) = try await open()
                do {
                    let indexer = Indexer(library: store, scanner: scanner, commitEvery: commitEvery)
                    result = .success(
                        try await indexer.update(roots: roots, makeEmbedder: makeEmbedder) { done, total in
                            self.lock.withLock {
                                self.current.state = .indexing
                                self.current.done = done
                                self.current.total = total
                            }
                        }.report)
                } catch {
                    if close { await store.close() }
                    throw error
                }
                if close { await store.close() }
            } catch {
                result = .failure(error)
            }
            lock.withLock {
                current.state = .idle
                current.finishedAt = Date()
                switch result {
                case let .success(report):
                    current.embedded = report.embedded
                    current.failed = report.failed
                    current.removed = report.removed
                    current.error = nil
                case let .failure(error):
                    current.error = (error as? CLIPError)?.description ?? "\(error)"
                }
            }
            finished?(result)
        }
        return true
    }
}
