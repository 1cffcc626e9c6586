import Foundation

/// A growable buffer of plain values at a stable address: either owned, or a view into a private (copy-on-write)
/// file mapping that becomes owned the first time it must grow.
final class PodBuffer<T>: @unchecked Sendable {
    private(set) var base: UnsafeMutablePointer<T>
    private(set) var count: Int
    private var capacity: Int
    private var owned: Bool

    init(capacity: Int = 1024) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
        count = 0
        owned = true
    }

    /// A view of `count` values at `pointer`, which must outlive the buffer (a mapping the index keeps).
    init(viewing pointer: UnsafeMutablePointer<T>, count: Int) {
        base = pointer
        self.count = count
        capacity = count
        owned = false
    }

    deinit { if owned { base.deallocate() } }

    func append(_ values: UnsafeBufferPointer<T>) {
        reserve(count + values.count)
        (base + count).initialize(from: values.baseAddress!, count: values.count)
        count += values.count
    }

    func append(repeating value: T, count n: Int) {
        reserve(count + n)
        (base + count).initialize(repeating: value, count: n)
        count += n
    }

    private func reserve(_ needed: Int) {
        guard needed > capacity || !owned else { return }
        let newCapacity = max(needed, capacity * 2, 16)
        let fresh = UnsafeMutablePointer<T>.allocate(capacity: newCapacity)
        fresh.initialize(from: base, count: count)
        if owned { base.deallocate() }
        base = fresh
        capacity = newCapacity
        owned = true
    }
}
