/// Inner product of two `d`-float vectors, 16 lanes at a time (FMA under `-target-cpu haswell`).
@inline(__always)
func innerProduct(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ d: Int) -> Float {
    var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
    var i = 0
    while i + 32 <= d {
        let a0 = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD16<Float>.self),
            b0 = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD16<Float>.self)
        let a1 = UnsafeRawPointer(a + i + 16).loadUnaligned(as: SIMD16<Float>.self),
            b1 = UnsafeRawPointer(b + i + 16).loadUnaligned(as: SIMD16<Float>.self)
        acc0.addProduct(a0, b0)
        acc1.addProduct(a1, b1)
        i += 32
    }
    var sum = (acc0 + acc1).sum()
    while i < d {
        sum += a[i] * b[i]
        i += 1
    }
    return sum
}

/// A binary heap of (score, node); `isMax` picks the order. Sifting runs on the raw buffer (the graph
/// search spends much of its time here).
struct ScoredHeap {
    private(set) var items: [(score: Float, node: Int32)] = []
    let isMax: Bool

    init(max: Bool, capacity: Int = 0) {
        isMax = max
        items.reserveCapacity(capacity)
    }

    var count: Int { items.count }
    var isEmpty: Bool { items.isEmpty }
    var top: (score: Float, node: Int32)? { items.first }
    /// The top score; only valid when not empty.
    var topScore: Float { items.withUnsafeBufferPointer { $0[0].score } }

    mutating func removeAll() { items.removeAll(keepingCapacity: true) }

    @inline(__always)
    mutating func push(_ score: Float, _ node: Int32) {
        items.append((score, node))
        let max = isMax
        items.withUnsafeMutableBufferPointer { h in
            var i = h.count - 1
            let item = h[i]
            while i > 0 {
                let p = (i - 1) / 2
                guard max ? item.score > h[p].score : item.score < h[p].score else { break }
                h[i] = h[p]
                i = p
            }
            h[i] = item
        }
    }

    @inline(__always) @discardableResult
    mutating func pop() -> (score: Float, node: Int32)? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        guard !items.isEmpty else { return first }
        let max = isMax
        items.withUnsafeMutableBufferPointer { h in
            let n = h.count
            var i = 0
            while true {
                let l = 2 * i + 1
                if l >= n { break }
                var c = l
                if l + 1 < n, max ? h[l + 1].score > h[l].score : h[l + 1].score < h[l].score { c = l + 1 }
                guard max ? h[c].score > last.score : h[c].score < last.score else { break }
                h[i] = h[c]
                i = c
            }
            h[i] = last
        }
        return first
    }
}
