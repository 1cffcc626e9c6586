import CLIP
import CSearchKernels

/// Exact search: every row scored in one streaming pass, keeping the top k. Rows are float32,
/// or float16 to halve memory (converted per block at query time). `ids` map row order to caller ids.
public final class FlatIndex: VectorIndex, @unchecked Sendable {
    public enum Storage: Sendable { case float32, float16 }

    public let dimension: Int
    public let storage: Storage
    private var ids: [Int] = []
    private var float32: [Float] = []
    private var float16: [Float16] = []

    public init(dimension: Int, storage: Storage = .float32) {
        self.dimension = dimension
        self.storage = storage
    }

    public var count: Int { ids.count }

    /// Adds rows `[n, dimension]` with their ids.
    public func add(_ vectors: UnsafeBufferPointer<Float>, ids newIDs: [Int]) {
        precondition(vectors.count == newIDs.count * dimension, "vectors do not match ids")
        ids += newIDs
        switch storage {
        case .float32: float32 += vectors
        case .float16: float16 += vectors.map { Float16($0) }
        }
    }

    public func search(_ query: [Float], k: Int) -> [(id: Int, score: Float)] {
        precondition(query.count == dimension, "query of \(query.count) floats for a \(dimension)-d index")
        guard count > 0, k > 0 else { return [] }
        var top = TopK(min(k, count))
        let d = dimension
        query.withUnsafeBufferPointer { qb in
            let q = qb.baseAddress!
            switch storage {
            case .float32:
                // One streaming pass: memory bandwidth is the limit, so rows are scored as they arrive
                // (prefetched a few rows ahead) instead of through a scores buffer.
                float32.withUnsafeBufferPointer { rows in
                    let base = rows.baseAddress!
                    for i in 0..<count {
                        clip_prefetch(base + (i + 8) * d)
                        clip_prefetch(base + (i + 8) * d + d / 2)
                        let s = innerProduct(q, base + i * d, d)
                        if s > top.threshold { top.offer(ids[i], s) }
                    }
                }
            case .float16:
                var converted = [Float](repeating: 0, count: d)
                float16.withUnsafeBufferPointer { half in
                    converted.withUnsafeMutableBufferPointer { row in
                        for i in 0..<count {
                            for t in 0..<d { row[t] = Float(half[i * d + t]) }
                            let s = innerProduct(q, row.baseAddress!, d)
                            if s > top.threshold { top.offer(ids[i], s) }
                        }
                    }
                }
            }
        }
        return top.sorted()
    }
}
