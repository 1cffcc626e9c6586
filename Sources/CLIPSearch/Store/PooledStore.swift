import CLIP
import Foundation

/// A few open stores (for PostgreSQL: connections) shared by concurrent requests, itself a `LibraryStore`
/// (`PooledStore+Store`): each call has one to itself, since a store runs one transaction at a time.
/// Stores are opened on demand, up to `size`; one that is no longer usable after a call (its connection
/// was lost) is dropped, so a later call opens a new one: while the database is down calls fail at once,
/// and when it is back they succeed again.
public final class PooledStore: @unchecked Sendable {
    private let open: @Sendable () async throws -> any LibraryStore
    private let usable: @Sendable (any LibraryStore) -> Bool
    public let size: Int
    public let location: String
    private let lock = NSLock()
    private var idle: [any LibraryStore] = []
    private var opened = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private var dropped: [any LibraryStore] = []

    public init(
        size: Int, location: String, open: @escaping @Sendable () async throws -> any LibraryStore,
        usable: @escaping @Sendable (any LibraryStore) -> Bool
    ) {
        precondition(size > 0)
        self.size = size
        self.location = location
        self.open = open
        self.usable = usable
    }

    /// Runs `body` with a store of its own (waiting while all `size` are busy). When a store kept from
    /// before fails because its connection was lost (the database restarted since), `body` runs once more
    /// on a new one: `body` must be safe to run twice, as reads are.
    public func with<T: Sendable>(_ body: (any LibraryStore) async throws -> T) async throws -> T {
        let (store, reused) = try await acquire()
        do {
            let value = try await body(store)
            await release(store)
            return value
        } catch {
            let lost = !usable(store)
            await release(store)
            guard reused, lost else { throw error }
            let (fresh, _) = try await acquire(reuse: false)
            do {
                let value = try await body(fresh)
                await release(fresh)
                return value
            } catch {
                await release(fresh)
                throw error
            }
        }
    }

    /// Runs `body` once with a store of its own: for writes, which must not run twice.
    func once<T: Sendable>(_ body: (any LibraryStore) async throws -> T) async throws -> T {
        let (store, _) = try await acquire()
        do {
            let value = try await body(store)
            await release(store)
            return value
        } catch {
            await release(store)
            throw error
        }
    }

    /// Closes every idle store (call when no request is running).
    public func close() async {
        let stores: [any LibraryStore] = lock.withLock {
            defer {
                opened -= idle.count
                idle.removeAll()
            }
            return idle
        }
        for store in stores { await store.close() }
    }

    private enum Step { case use(any LibraryStore), open, wait }

    /// A store and whether it was kept from an earlier call; with `reuse` false, a newly opened one (idle
    /// ones kept from before the failure may be dead too).
    private func acquire(reuse: Bool = true) async throws -> (any LibraryStore, reused: Bool) {
        while true {
            let step: Step = lock.withLock {
                if reuse, let store = idle.popLast() { return .use(store) }
                if !reuse, opened >= size, !idle.isEmpty {
                    // Room for a new one: let an idle one go (closed below, outside the lock).
                    dropped.append(idle.removeFirst())
                    return .open
                }
                if opened < size {
                    opened += 1
                    return .open
                }
                return .wait
            }
            for store in lock.withLock({ () -> [any LibraryStore] in
                defer { dropped.removeAll() }
                return dropped
            }) {
                await store.close()
            }
            switch step {
            case let .use(store):
                return (store, true)
            case .open:
                do {
                    return (try await open(), false)
                } catch {
                    wakeOne { opened -= 1 }
                    throw error
                }
            case .wait:
                // Decided again under the lock: a release between the two decisions would be missed.
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let now: Bool = lock.withLock {
                        if !idle.isEmpty || opened < size { return true }
                        waiting.append(continuation)
                        return false
                    }
                    if now { continuation.resume() }
                }
            }
        }
    }

    private func release(_ store: any LibraryStore) async {
        if usable(store) {
            wakeOne { idle.append(store) }
        } else {
            wakeOne { opened -= 1 }
            await store.close()
        }
    }

    /// Changes the pool under its lock, then lets one waiting call try again.
    private func wakeOne(_ change: () -> Void) {
        let next: CheckedContinuation<Void, Never>? = lock.withLock {
            change()
            return waiting.isEmpty ? nil : waiting.removeFirst()
        }
        next?.resume()
    }
}
