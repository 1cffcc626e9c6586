/// Inner product of two `d`-float vectors, 16 lanes at a time (FMA under `-target-cpu haswell`).
@inline(__always)
func innerProduct(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ d: Int) -> Float {
    var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
    var i = 0
    while i + 32 <= d {
        let a0 = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD16<Float>.self), b0 = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD16<Float>.self)
        let a1 = UnsafeRawPointer(a + i + 16).loadUnaligned(as: SIMD16<Float>.self), b1 = UnsafeRawPointer(b + i + 16).loadUnaligned(as: SIMD16<Float>.self)
        acc0.addProduct(a0, b0)
        acc1.addProduct(a1, b1)
        i += 32
    }
    var sum = (acc0 + acc1).sum()
    while i < d { sum += a[i] * b[i]; i += 1 }
    return sum
}

/// A binary heap of (score, node); `isMax` picks the order.
struct ScoredHeap {
    private(set) var items: [(score: Float, node: Int32)] = []
    let isMax: Bool

    init(max: Bool, capacity: Int = 0) { isMax = max; items.reserveCapacity(capacity) }

    var count: Int { items.count }
    var isEmpty: Bool { items.isEmpty }
    var top: (score: Float, node: Int32)? { items.first }

    @inline(__always) private func above(_ a: Float, _ b: Float) -> Bool { isMax ? a > b : a < b }

    mutating func push(_ score: Float, _ node: Int32) {
        items.append((score, node))
        var i = items.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard above(items[i].score, items[p].score) else { break }
            items.swapAt(i, p)
            i = p
        }
    }

    @discardableResult
    mutating func pop() -> (score: Float, node: Int32)? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count, above(items[l].score, items[m].score) { m = l }
                if r < items.count, above(items[r].score, items[m].score) { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return first
    }
}
