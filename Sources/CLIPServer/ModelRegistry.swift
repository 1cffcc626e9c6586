import CLIP
import Foundation

/// The models `clip serve` may load on demand (`--models`), beside the one it starts with: Immich's admin
/// switches models by name, and Immich ML loads them on first use and unloads idle ones
/// (`MACHINE_LEARNING_MODEL_TTL`). A model is loaded once, however many requests ask for it while it loads
/// (they wait for that load); it is unloaded after `ttl` seconds unused, and its memory returned to the OS.
public actor ModelRegistry {
    /// Loads a model by the reference `--models` gives (an Immich or known name, a hub id or a folder).
    public typealias Loader = @Sendable (String) throws -> ServedModel

    /// A loaded model, when it was last used, and how many requests are using it now.
    private struct Resident {
        let served: ServedModel
        var lastUsed: ContinuousClock.Instant
        var inUse: Int
    }

    /// The references that may load, in `--models` order.
    public nonisolated let allowed: [String]
    /// Seconds unused before an on-demand model is unloaded; 0: never.
    public nonisolated let ttl: Double
    private let loader: Loader
    private var resident: [String: Resident] = [:]
    private var loading: [String: Task<ServedModel, Error>] = [:]

    public init(allowed: [String], ttl: Double, loader: @escaping Loader) {
        self.allowed = allowed
        self.ttl = ttl
        self.loader = loader
    }

    /// The allowed reference a request's model name means: the reference itself, or an Immich name its
    /// weights are (`ViT-B-32` answers `ViT-B-32__openai`, as sent by Immich, `immich-app/…::…` included).
    public nonisolated func reference(for requested: String) -> String? {
        let clean = ImmichModels.cleanName(requested)
        return allowed.first { $0 == requested || $0 == clean || ImmichModels.names(loadedAs: $0).contains(clean) }
    }

    /// Runs `body` with the model for `reference` (one of `allowed`), loading it first if needed; the model
    /// is not unloaded while `body` runs.
    public func using<T: Sendable>(
        _ reference: String, _ body: @Sendable (ServedModel) async throws -> T
    ) async throws -> T {
        let served = try await acquire(reference)
        defer { release(reference) }
        return try await body(served)
    }

    /// Loads `reference` now (`--preload`).
    public func preload(_ reference: String) async throws {
        try await using(reference) { _ in }
    }

    /// The references resident now.
    public var residentReferences: [String] { resident.keys.sorted() }

    private func acquire(_ reference: String) async throws -> ServedModel {
        if var entry = resident[reference] {
            entry.inUse += 1
            entry.lastUsed = .now
            resident[reference] = entry
            return entry.served
        }
        let task: Task<ServedModel, Error>
        if let pending = loading[reference] {
            task = pending
        } else {
            let loader = self.loader
            task = Task { try await Blocking.run { try loader(reference) } }
            loading[reference] = task
        }
        let served: ServedModel
        do {
            served = try await task.value
        } catch {
            loading[reference] = nil
            throw error
        }
        loading[reference] = nil
        // The first waiter back after the load makes it resident; the others find it so.
        var entry = resident[reference] ?? Resident(served: served, lastUsed: .now, inUse: 0)
        entry.inUse += 1
        entry.lastUsed = .now
        resident[reference] = entry
        return entry.served
    }

    private func release(_ reference: String) {
        guard var entry = resident[reference] else { return }
        entry.inUse -= 1
        entry.lastUsed = .now
        resident[reference] = entry
    }

    /// Unloads every model unused for `ttl` seconds (none when `ttl` is 0) and returns the freed memory to
    /// the OS; returns how many were unloaded.
    @discardableResult
    public func sweep(now: ContinuousClock.Instant = .now) -> Int {
        guard ttl > 0 else { return 0 }
        let idle = resident.filter { $0.value.inUse == 0 && now - $0.value.lastUsed >= .seconds(ttl) }
        for (reference, entry) in idle {
            resident[reference] = nil
            entry.served.shutdown()
        }
        if !idle.isEmpty { FreedMemory.returnToSystem() }
        return idle.count
    }

    /// Sweeps every few seconds until cancelled (the server's lifetime).
    public func runSweeper() async {
        guard ttl > 0 else { return }
        let period = max(0.05, min(ttl / 4, 5))
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(period))
            sweep()
        }
    }
}
