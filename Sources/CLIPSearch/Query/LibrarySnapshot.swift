import CLIP
import Foundation

/// The embedded files of a library at one moment, sorted by path (as UTF-8 bytes, so a folder's files are
/// one contiguous range), with their vectors read where they lie in the mapped vector file. Immutable:
/// any number of queries may share one while the library is being indexed.
public final class LibrarySnapshot: @unchecked Sendable {
    public struct Entry: Sendable, Equatable {
        /// The file's record id: stable for the life of the record (a move keeps it).
        public let id: Int64
        public let path: String
        /// Its vector's row in the vector file.
        public let row: Int
        /// Its content fingerprint (thumbnails are cached by it).
        public let hash: String
    }

    public let entries: [Entry]
    public let dimension: Int
    /// The vector file the rows are in (an HNSW index answers for this snapshot only if built over it).
    public let vectorFile: String
    /// Rows of the mapped vector file, valid while `mapping` (the file) lives: the snapshot keeps it.
    let vectors: UnsafeBufferPointer<Float>
    private let mapping: AnyObject?
    private let indexOfID: [Int64: Int]
    private let indexOfRow: [Int: Int]

    init(entries: [Entry], dimension: Int, vectors: UnsafeBufferPointer<Float>, mapping: AnyObject?, vectorFile: String)
    {
        self.mapping = mapping
        self.vectorFile = vectorFile
        self.entries = entries.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        self.dimension = dimension
        self.vectors = vectors
        indexOfID = Dictionary(self.entries.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        indexOfRow = Dictionary(self.entries.enumerated().map { ($1.row, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public var count: Int { entries.count }

    public func index(ofID id: Int64) -> Int? { indexOfID[id] }
    func index(ofRow row: Int) -> Int? { indexOfRow[row] }

    /// Entry `i`'s normalised vector.
    public func vector(_ i: Int) -> [Float] {
        Array(UnsafeBufferPointer(start: vectors.baseAddress! + entries[i].row * dimension, count: dimension))
    }

    /// The entries at or under each of `roots` (standardised absolute paths): the file itself, and the
    /// contiguous run of paths that start with `root/`. No roots: every entry (as the stores' `under: []`).
    public func ranges(under roots: [String]) -> [Range<Int>] {
        if roots.isEmpty { return count == 0 ? [] : [0..<count] }
        var ranges: [Range<Int>] = []
        for root in roots {
            let folder = root.hasSuffix("/") ? String(root.dropLast()) : root
            let exact = lowerBound(folder)
            if exact < count, entries[exact].path == folder { ranges.append(exact..<(exact + 1)) }
            let start = lowerBound(folder + "/"), end = lowerBound(folder + "0")  // "0" follows "/"
            if start < end { ranges.append(start..<end) }
        }
        // Nested roots would count files twice: merge overlapping ranges.
        var merged: [Range<Int>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, range.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        return merged
    }

    /// The first entry whose path is not below `path` in byte order.
    private func lowerBound(_ path: String) -> Int {
        var low = 0, high = count
        while low < high {
            let mid = (low + high) / 2
            if entries[mid].path.utf8.lexicographicallyPrecedes(path.utf8) { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The `k` entries of `ranges` with the highest inner product with `query`, best first (exact).
    public func nearest(_ query: [Float], k: Int, in ranges: [Range<Int>]) -> [(index: Int, score: Float)] {
        precondition(query.count == dimension, "query of \(query.count) floats for a \(dimension)-d library")
        guard k > 0 else { return [] }
        var top = TopK(k)
        query.withUnsafeBufferPointer { q in
            for range in ranges {
                for i in range {
                    let s = innerProduct(q.baseAddress!, vectors.baseAddress! + entries[i].row * dimension, dimension)
                    if s > top.threshold { top.offer(i, s) }
                }
            }
        }
        return top.sorted().map { (index: $0.id, score: $0.score) }
    }

    /// `score(i, cosines)` for every entry of `ranges`, where `cosines[j]` is the entry's inner product
    /// with `queries[j]`.
    public func scores(_ queries: [[Float]], in ranges: [Range<Int>], _ score: ([Float]) -> Float) -> [(
        index: Int, score: Float
    )] {
        var out: [(index: Int, score: Float)] = []
        var cosines = [Float](repeating: 0, count: queries.count)
        for range in ranges {
            for i in range {
                let v = vectors.baseAddress! + entries[i].row * dimension
                for (j, q) in queries.enumerated() {
                    cosines[j] = q.withUnsafeBufferPointer { innerProduct($0.baseAddress!, v, dimension) }
                }
                out.append((i, score(cosines)))
            }
        }
        return out
    }
}
