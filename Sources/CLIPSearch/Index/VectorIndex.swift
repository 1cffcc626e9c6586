/// Nearest neighbours by inner product over L2-normalised vectors (so: cosine similarity).
public protocol VectorIndex {
    var dimension: Int { get }
    /// Vectors the index answers for.
    var count: Int { get }
    /// The `k` best (id, score) pairs for `query`, best first.
    func search(_ query: [Float], k: Int) -> [(id: Int, score: Float)]
}

/// Keeps the `k` best (id, score) pairs seen, as a min-heap on score.
struct TopK {
    let k: Int
    private(set) var heap: [(id: Int, score: Float)] = []

    init(_ k: Int) {
        self.k = k
        heap.reserveCapacity(k)
    }

    var threshold: Float { heap.count < k ? -.infinity : heap[0].score }

    mutating func offer(_ id: Int, _ score: Float) {
        guard k > 0 else { return }
        if heap.count < k {
            heap.append((id, score))
            var i = heap.count - 1
            while i > 0, heap[(i - 1) / 2].score > heap[i].score {
                heap.swapAt(i, (i - 1) / 2)
                i = (i - 1) / 2
            }
        } else if score > heap[0].score {
            heap[0] = (id, score)
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count, heap[l].score < heap[m].score { m = l }
                if r < heap.count, heap[r].score < heap[m].score { m = r }
                if m == i { break }
                heap.swapAt(i, m)
                i = m
            }
        }
    }

    func sorted() -> [(id: Int, score: Float)] {
        heap.sorted { $0.score > $1.score || ($0.score == $1.score && $0.id < $1.id) }
    }
}
