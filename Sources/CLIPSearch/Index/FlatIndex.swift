import CBLAS
import CLIP

/// Exact search: one matrix-vector product over all rows (BLAS), then a top-k selection. Rows are float32,
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
        let block = 4096
        var scores = [Float](repeating: 0, count: block)
        var converted = storage == .float16 ? [Float](repeating: 0, count: block * dimension) : []
        var start = 0
        while start < count {
            let n = min(block, count - start)
            query.withUnsafeBufferPointer { q in
                scores.withUnsafeMutableBufferPointer { s in
                    func gemv(_ rows: UnsafePointer<Float>) {
                        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(dimension), 1, rows, Int32(dimension),
                                    q.baseAddress, 1, 0, s.baseAddress, 1)
                    }
                    switch storage {
                    case .float32: float32.withUnsafeBufferPointer { gemv($0.baseAddress! + start * dimension) }
                    case .float16:
                        float16.withUnsafeBufferPointer { half in
                            converted.withUnsafeMutableBufferPointer { out in
                                for i in 0..<(n * dimension) { out[i] = Float(half[start * dimension + i]) }
                                gemv(out.baseAddress!)
                            }
                        }
                    }
                }
            }
            for i in 0..<n where scores[i] > top.threshold { top.offer(ids[start + i], scores[i]) }
            start += n
        }
        return top.sorted()
    }
}
