import CLIP
import CSearchKernels
import Foundation

/// What one graph walk writes: the visited stamps, the two heaps, the neighbour list being scored, a
/// copy of a link list and a vector widened to fp32. Each search takes its own (from a small pool), so
/// searches can run concurrently; each inserting thread has its own.
final class HNSWSearchState {
    var visited: [UInt32] = []
    var generation: UInt32 = 0
    var candidates = ScoredHeap(max: true)
    var results = ScoredHeap(max: false)
    let pending: UnsafeMutablePointer<Int32>
    let linkCopy: UnsafeMutablePointer<Int32>
    let widened: UnsafeMutablePointer<Float>

    init(linksPerNode: Int, dimension: Int) {
        pending = .allocate(capacity: linksPerNode)
        linkCopy = .allocate(capacity: linksPerNode + 1)
        widened = .allocate(capacity: dimension)
    }

    deinit {
        pending.deallocate()
        linkCopy.deallocate()
        widened.deallocate()
    }

    /// A fresh stamp for a walk over `nodes` nodes (visited marks from earlier walks stop counting).
    func nextStamp(nodes: Int) -> UInt32 {
        if visited.count < nodes { visited.append(contentsOf: repeatElement(0, count: nodes - visited.count)) }
        generation &+= 1
        if generation == 0 {
            for i in visited.indices { visited[i] = 0 }
            generation = 1
        }
        return generation
    }
}

/// Hierarchical navigable small-world graph (Malkov & Yashunin) over inner product: incremental insert,
/// deletion by tombstone (still traversed, never returned), saved to a file and loaded back through mmap.
///
/// Concurrency: any number of `search` calls may run at once (each walks with its own state); `add`,
/// `remove` and `save` need the index to themselves. `add(rows:ids:)` builds on several threads, as
/// hnswlib does: each node's link lists are written (and, during the build, read) under its lock, and a
/// node that becomes the new top level holds the entry point's lock while it is inserted.
///
/// Vectors are stored in half precision (queries stay fp32): a search at high recall reads thousands of
/// scattered vectors and is bound by memory traffic, which halves; scores move by about 1e-4.
public final class HNSWIndex: VectorIndex, @unchecked Sendable {
    public let dimension: Int
    /// Links per node on upper levels; level 0 keeps twice as many.
    public let m: Int
    public let efConstruction: Int
    /// Candidates kept while searching (at least k); trades speed for recall.
    public var efSearch: Int

    private var maxM0: Int { 2 * m }
    private var stride0: Int { maxM0 + 1 }  // count, then links
    private var vectors: PodBuffer<UInt16>  // [node, dimension] IEEE half
    private var level0: PodBuffer<Int32>
    /// Links on levels 1…L: each node above level 0 owns L blocks of `m + 1` (count, then links) from
    /// `upperStart[node]` (-1 for nodes on level 0 only). Raw memory at stable addresses, as level 0's,
    /// so that building threads can write different nodes' lists at once.
    private var upperLinks = PodBuffer<Int32>()
    private var upperStart: [Int] = []
    private var upperStride: Int { m + 1 }
    private var levels: [UInt8] = []
    private var ids: [Int] = []
    private var nodeOf: [Int: Int32] = [:]
    private var deleted: [Bool] = []
    private var deletedCount = 0
    private var entry: Int32 = -1
    private var maxLevel = -1
    private var random: UInt64 = 0x9E37_79B9_7F4A_7C15
    private lazy var insertState = HNSWSearchState(linksPerNode: 2 * m + 1, dimension: dimension)
    private var idleStates: [HNSWSearchState] = []
    private let stateLock = NSLock()
    private var mapping: (UnsafeMutableRawPointer, Int)?

    public init(dimension: Int, m: Int = 16, efConstruction: Int = 200, efSearch: Int = 64) {
        self.dimension = dimension
        self.m = m
        self.efConstruction = efConstruction
        self.efSearch = efSearch
        vectors = PodBuffer()
        level0 = PodBuffer()
    }

    deinit {
        if let (pointer, length) = mapping { munmap(pointer, length) }
    }

    /// Nodes that answer searches (tombstoned ones excluded).
    public var count: Int { ids.count - deletedCount }

    /// The ids that answer searches.
    public var liveIDs: Set<Int> { Set(nodeOf.keys) }

    // MARK: insert

    /// Adds `vector` (L2-normalised) under `id`; an id already present is replaced (old node tombstoned).
    public func add(_ values: [Float], id: Int) {
        precondition(values.count == dimension, "vector of \(values.count) floats for a \(dimension)-d index")
        values.withUnsafeBufferPointer { v in
            let (node, level) = appendNode(v.baseAddress!, id: id)
            guard entry >= 0 else {
                entry = node
                maxLevel = level
                return
            }
            insert(node, level: level, query: v.baseAddress!, state: insertState, locks: nil)
        }
    }

    /// Adds `ids.count` vectors (`rows`, row-major, L2-normalised) under `ids`, on `threads` threads when
    /// there are enough of them to share (the graph differs from a one-thread build only in the order
    /// links were made; recall is the same, see IndexTests).
    public func add(rows: [Float], ids newIDs: [Int], threads: Int = Parallelism.threads) {
        precondition(
            rows.count == newIDs.count * dimension, "\(rows.count) floats for \(newIDs.count) \(dimension)-d vectors")
        guard !newIDs.isEmpty else { return }
        rows.withUnsafeBufferPointer { r in
            let d = dimension
            nonisolated(unsafe) let q = r.baseAddress!
            // Every node is stored first (the buffers grow only now, never while threads link them).
            let placed = newIDs.enumerated().map { i, id in appendNode(q + i * d, id: id) }
            var first = 0
            if entry < 0 {
                entry = placed[0].node
                maxLevel = placed[0].level
                first = 1
            }
            let workers = max(1, min(threads, (placed.count - first) / 512))
            guard workers > 1 else {
                for i in first..<placed.count {
                    insert(placed[i].node, level: placed[i].level, query: q + i * d, state: insertState, locks: nil)
                }
                return
            }
            let locks = NodeLocks()
            let counter = NSLock()
            nonisolated(unsafe) var next = first
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                let state = HNSWSearchState(linksPerNode: 2 * m + 1, dimension: d)
                while true {
                    let chunk: Range<Int> = counter.withLock {
                        defer { next = min(placed.count, next + 16) }
                        return next..<min(placed.count, next + 16)
                    }
                    if chunk.isEmpty { return }
                    for i in chunk {
                        insert(placed[i].node, level: placed[i].level, query: q + i * d, state: state, locks: locks)
                    }
                }
            }
        }
    }

    /// Stores a node (vector, empty link lists, its level) without linking it; the id's old node is tombstoned.
    private func appendNode(_ values: UnsafePointer<Float>, id: Int) -> (node: Int32, level: Int) {
        remove(id: id)
        let node = Int32(ids.count)
        vectors.append(repeating: 0, count: dimension)
        HalfVectors.narrow(values, into: vectors.base + Int(node) * dimension, count: dimension)
        level0.append(repeating: 0, count: stride0)
        let level = randomLevel()
        upperStart.append(level > 0 ? upperLinks.count : -1)
        if level > 0 { upperLinks.append(repeating: 0, count: level * upperStride) }
        levels.append(UInt8(level))
        ids.append(id)
        nodeOf[id] = node
        deleted.append(false)
        return (node, level)
    }

    /// Links `node` into the graph. With `locks` (a parallel build), link lists are read and written under
    /// their node's lock, and a node above the current top level keeps the entry point locked until it is
    /// the entry point.
    private func insert(
        _ node: Int32, level: Int, query q: UnsafePointer<Float>, state: HNSWSearchState, locks: NodeLocks?
    ) {
        locks?.top.lock()
        var ep = entry
        let top = maxLevel
        let raisesTop = level > top
        if !raisesTop { locks?.top.unlock() }
        var epScore = similarity(q, ep)
        if top > level {
            for lc in stride(from: top, to: level, by: -1) {
                (ep, epScore) = greedy(q, from: ep, score: epScore, level: lc, state: state, locks: locks)
            }
        }
        var entries = [(score: epScore, node: ep)]
        for lc in stride(from: min(level, top), through: 0, by: -1) {
            // Another thread may have linked this node already: never to itself.
            let found = searchLayer(
                q, entries: entries, ef: efConstruction, level: lc, skipDeleted: false, state: state, locks: locks
            )
            .filter { $0.node != node }
            let chosen = selectNeighbors(found, limit: m, state: state)
            withLock(locks, node) {
                // In a parallel build another thread may have linked to this node already (having found it
                // on the level above): keep those links, pruned with the rest.
                var list = chosen.map(\.node)
                let existing = links(node, lc)
                if !existing.isEmpty {
                    for n in existing where !list.contains(n) { list.append(n) }
                    let limit = lc == 0 ? maxM0 : m
                    if list.count > limit {
                        let base = widened(node, state)
                        list = selectNeighbors(
                            list.map { (score: similarity(base, $0), node: $0) }, limit: limit, state: state
                        ).map(\.node)
                    }
                }
                setLinks(node, lc, list)
            }
            for neighbor in chosen {
                connect(neighbor.node, to: node, score: neighbor.score, level: lc, state: state, locks: locks)
            }
            entries = found.isEmpty ? entries : found
        }
        if raisesTop {
            entry = node
            maxLevel = level
            locks?.top.unlock()
        }
    }

    @inline(__always) private func withLock<T>(_ locks: NodeLocks?, _ node: Int32, _ body: () -> T) -> T {
        guard let locks else { return body() }
        return locks.stripe(node).withLock(body)
    }

    /// Tombstones `id`'s node: it still routes searches but is never returned.
    public func remove(id: Int) {
        guard let node = nodeOf.removeValue(forKey: id), !deleted[Int(node)] else { return }
        deleted[Int(node)] = true
        deletedCount += 1
    }

    /// Gives every live node a new id, `newID(old)` (nil tombstones it): after the vectors it indexes were
    /// renumbered (the library's vector file compacted), without building the graph again.
    public func relabel(_ newID: (Int) -> Int?) {
        nodeOf.removeAll(keepingCapacity: true)
        for node in ids.indices where !deleted[node] {
            if let id = newID(ids[node]) {
                ids[node] = id
                nodeOf[id] = Int32(node)
            } else {
                deleted[node] = true
                deletedCount += 1
            }
        }
    }

    private func randomLevel() -> Int {
        random = random &* 6364136223846793005 &+ 1442695040888963407
        let uniform = (Double(random >> 11) + 0.5) / Double(1 << 53)
        return min(Int(-log(uniform) / log(Double(m))), 16)
    }

    @inline(__always) private func vector(_ node: Int32) -> UnsafePointer<UInt16> {
        UnsafePointer(vectors.base + Int(node) * dimension)
    }

    @inline(__always) private func similarity(_ q: UnsafePointer<Float>, _ node: Int32) -> Float {
        HalfVectors.dot(q, vector(node), dimension)
    }

    /// `node`'s vector widened to fp32 in the state's scratch buffer (valid until its next use).
    private func widened(_ node: Int32, _ state: HNSWSearchState) -> UnsafePointer<Float> {
        HalfVectors.widen(vector(node), into: state.widened, count: dimension)
        return UnsafePointer(state.widened)
    }

    /// `node`'s link list on `level`: its count, then the links.
    @inline(__always) private func linkList(_ node: Int32, _ level: Int) -> UnsafeMutablePointer<Int32> {
        level == 0
            ? level0.base + Int(node) * stride0 : upperLinks.base + upperStart[Int(node)] + (level - 1) * upperStride
    }

    private func links(_ node: Int32, _ level: Int) -> [Int32] {
        let list = linkList(node, level)
        return Array(UnsafeBufferPointer(start: list + 1, count: Int(list[0])))
    }

    private func setLinks(_ node: Int32, _ level: Int, _ links: [Int32]) {
        let list = linkList(node, level)
        for (i, n) in links.enumerated() { list[1 + i] = n }
        list[0] = Int32(links.count)
    }

    /// `node`'s links on `level`; during a parallel build, copied under its lock (into the state).
    @inline(__always) private func readLinks(_ node: Int32, _ level: Int, state: HNSWSearchState, locks: NodeLocks?)
        -> UnsafeBufferPointer<Int32>
    {
        let list = linkList(node, level)
        guard let locks else { return UnsafeBufferPointer(start: list + 1, count: Int(list[0])) }
        return locks.stripe(node).withLock {
            let count = Int(list[0])
            state.linkCopy.update(from: list + 1, count: count)
            return UnsafeBufferPointer(start: state.linkCopy, count: count)
        }
    }

    /// Adds the link `from → to`, pruning `from`'s links with the heuristic when over capacity.
    private func connect(_ from: Int32, to: Int32, score: Float, level: Int, state: HNSWSearchState, locks: NodeLocks?)
    {
        withLock(locks, from) {
            var list = links(from, level)
            let limit = level == 0 ? maxM0 : m
            if list.count < limit {
                list.append(to)
            } else {
                let base = widened(from, state)
                let candidates = (list + [to]).map { (score: similarity(base, $0), node: $0) }
                list = selectNeighbors(candidates, limit: limit, state: state).map(\.node)
            }
            setLinks(from, level, list)
        }
    }

    /// The paper's heuristic: take candidates best first, keeping one only if it is closer to the base than
    /// to every neighbour kept so far (spreads links across directions).
    private func selectNeighbors(_ candidates: [(score: Float, node: Int32)], limit: Int, state: HNSWSearchState) -> [(
        score: Float, node: Int32
    )] {
        let sorted = candidates.sorted { $0.score > $1.score }
        guard sorted.count > limit else { return sorted }
        var kept: [(score: Float, node: Int32)] = []
        for c in sorted {
            if kept.count >= limit { break }
            let cv = widened(c.node, state)
            if kept.allSatisfy({ similarity(cv, $0.node) < c.score }) { kept.append(c) }
        }
        return kept
    }

    // MARK: search

    private func greedy(
        _ q: UnsafePointer<Float>, from start: Int32, score: Float, level: Int, state: HNSWSearchState,
        locks: NodeLocks?
    ) -> (Int32, Float) {
        var (best, bestScore) = (start, score)
        var improved = true
        while improved {
            improved = false
            for n in readLinks(best, level, state: state, locks: locks) {
                let s = similarity(q, n)
                if s > bestScore {
                    (best, bestScore) = (n, s)
                    improved = true
                }
            }
        }
        return (best, bestScore)
    }

    /// How many neighbours ahead of the one being scored have their whole vector requested (measured
    /// best at 3–6 on the 200k×512 benchmark; 1 leaves most of each miss exposed).
    private static let prefetchDistance = 4

    /// Best-first search of one level from `entries`, keeping the `ef` best (tombstoned nodes are walked
    /// through but, with `skipDeleted`, not kept).
    private func searchLayer(
        _ q: UnsafePointer<Float>, entries: [(score: Float, node: Int32)], ef: Int, level: Int,
        skipDeleted: Bool, state: HNSWSearchState, locks: NodeLocks? = nil
    ) -> [(score: Float, node: Int32)] {
        let stamp = state.nextStamp(nodes: ids.count), d = dimension, vectorBase = vectors.base, linkBase = level0.base,
            stride = stride0
        let lines = Int32((d * MemoryLayout<UInt16>.stride + 63) / 64), ahead = Self.prefetchDistance
        var candidates = state.candidates, results = state.results
        candidates.removeAll()
        results.removeAll()
        let pending = state.pending
        state.visited.withUnsafeMutableBufferPointer { seen in
            deleted.withUnsafeBufferPointer { dead in
                for e in entries where seen[Int(e.node)] != stamp {
                    seen[Int(e.node)] = stamp
                    candidates.push(e.score, e.node)
                    if !(skipDeleted && dead[Int(e.node)]) { results.push(e.score, e.node) }
                }
                func scan(_ list: UnsafeBufferPointer<Int32>) {
                    // Collect the unvisited neighbours first, then score them with the next vectors' loads
                    // already issued: the vectors lie scattered over the whole file, so overlapping their
                    // cache misses is what sets the speed.
                    var fresh = 0
                    for n in list where seen[Int(n)] != stamp {
                        seen[Int(n)] = stamp
                        pending[fresh] = n
                        fresh += 1
                    }
                    for j in 0..<min(ahead, fresh) { clip_prefetch_lines(vectorBase + Int(pending[j]) * d, lines) }
                    for j in 0..<fresh {
                        if j + ahead < fresh { clip_prefetch_lines(vectorBase + Int(pending[j + ahead]) * d, lines) }
                        let n = pending[j]
                        let s = HalfVectors.dot(q, vectorBase + Int(n) * d, d)
                        if results.count < ef || s > results.topScore {
                            candidates.push(s, n)
                            if !(skipDeleted && dead[Int(n)]) {
                                results.push(s, n)
                                if results.count > ef { results.pop() }
                            }
                        }
                    }
                }
                while let c = candidates.pop() {
                    if results.count >= ef, c.score < results.topScore { break }
                    // The next candidate's link list is likely the next thing read.
                    if level == 0, let next = candidates.top { clip_prefetch(linkBase + Int(next.node) * stride) }
                    scan(readLinks(c.node, level, state: state, locks: locks))
                }
            }
        }
        let found = results.items
        state.candidates = candidates
        state.results = results
        return found
    }

    public func search(_ query: [Float], k: Int) -> [(id: Int, score: Float)] {
        search(query, k: k, ef: efSearch)
    }

    /// The `k` best, walking with `ef` candidates (at least `k`) instead of `efSearch`. Safe to call from
    /// several threads at once.
    public func search(_ query: [Float], k: Int, ef: Int) -> [(id: Int, score: Float)] {
        precondition(query.count == dimension, "query of \(query.count) floats for a \(dimension)-d index")
        guard entry >= 0, k > 0 else { return [] }
        stateLock.lock()
        let state = idleStates.popLast() ?? HNSWSearchState(linksPerNode: 2 * m + 1, dimension: dimension)
        stateLock.unlock()
        defer {
            stateLock.lock()
            idleStates.append(state)
            stateLock.unlock()
        }
        return query.withUnsafeBufferPointer { qb in
            let q = qb.baseAddress!
            var ep = entry
            var score = similarity(q, ep)
            if maxLevel > 0 {
                for lc in stride(from: maxLevel, to: 0, by: -1) {
                    (ep, score) = greedy(q, from: ep, score: score, level: lc, state: state, locks: nil)
                }
            }
            let found = searchLayer(
                q, entries: [(score, ep)], ef: max(ef, k), level: 0, skipDeleted: true, state: state)
            return found.sorted { $0.score > $1.score }.prefix(k).map { (ids[Int($0.node)], $0.score) }
        }
    }

    // MARK: persistence

    private static let magic = Array("SCHNSW02".utf8)  // 02: half-precision vectors

    /// Writes the index to `url` atomically.
    public func save(to url: URL) throws {
        var data = Data(Self.magic)
        func put<T>(_ values: UnsafeBufferPointer<T>) {
            data.append(
                UnsafeBufferPointer(
                    start: UnsafeRawPointer(values.baseAddress)?.assumingMemoryBound(to: UInt8.self),
                    count: values.count * MemoryLayout<T>.stride))
            while data.count % 8 != 0 { data.append(0) }
        }
        let header: [Int64] = [
            Int64(dimension), Int64(ids.count), Int64(m), Int64(efConstruction), Int64(efSearch),
            Int64(entry), Int64(maxLevel), Int64(deletedCount)
        ]
        header.withUnsafeBufferPointer { put($0) }
        put(UnsafeBufferPointer(start: vectors.base, count: vectors.count))
        put(UnsafeBufferPointer(start: level0.base, count: level0.count))
        ids.map(Int64.init).withUnsafeBufferPointer { put($0) }
        levels.withUnsafeBufferPointer { put($0) }
        deleted.map { UInt8($0 ? 1 : 0) }.withUnsafeBufferPointer { put($0) }
        var stream: [Int32] = []
        for node in levels.indices where levels[node] > 0 {
            for level in 1...Int(levels[node]) {
                let list = links(Int32(node), level)
                stream.append(Int32(list.count))
                stream += list
            }
        }
        [Int64(stream.count)].withUnsafeBufferPointer { put($0) }
        stream.withUnsafeBufferPointer { put($0) }
        try FileOutput.write(data, to: url, what: "the index")
    }

    /// Maps a saved index: vectors and level-0 links are read in place from the file (copy-on-write).
    public static func load(from url: URL) throws -> HNSWIndex {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw CLIPError.io(file: url.path, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        fstat(fd, &info)
        let length = Int(info.st_size)
        guard length >= 72, let map = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0), map != MAP_FAILED
        else {
            throw CLIPError.io(file: url.path, reason: "not an index file (too short or cannot be mapped)")
        }
        var offset = 0
        func take<T>(_ n: Int, _ what: String) throws -> UnsafeMutablePointer<T> {
            let bytes = n * MemoryLayout<T>.stride
            guard n >= 0, offset + bytes <= length else {
                munmap(map, length)
                throw CLIPError.io(file: url.path, reason: "truncated index file (\(what))")
            }
            let pointer = (map + offset).assumingMemoryBound(to: T.self)
            offset += (bytes + 7) / 8 * 8
            return pointer
        }
        let magic: UnsafeMutablePointer<UInt8> = try take(8, "magic")
        guard Array(UnsafeBufferPointer(start: magic, count: 8)) == Self.magic else {
            munmap(map, length)
            throw CLIPError.io(
                file: url.path, reason: "not a SwiftCLIP HNSW index of this version (it is rebuilt from the library)")
        }
        let h: UnsafeMutablePointer<Int64> = try take(8, "header")
        let (d, n, m) = (Int(h[0]), Int(h[1]), Int(h[2]))
        guard d > 0, d <= 1 << 16, n >= 0, m > 0, m <= 1024, h[5] >= -1, h[5] < Int64(Int32.max), h[6] >= -1,
            h[6] <= 16, h[7] >= 0
        else {
            munmap(map, length)
            throw CLIPError.io(file: url.path, reason: "corrupt index file (header)")
        }
        let index = HNSWIndex(
            dimension: d, m: m, efConstruction: Int(h[3]), efSearch: Int(h[4]), viewing: (map, length))
        index.entry = Int32(h[5])
        index.maxLevel = Int(h[6])
        index.deletedCount = Int(h[7])
        index.vectors = PodBuffer(viewing: try take(n * d, "vectors"), count: n * d) as PodBuffer<UInt16>
        index.level0 = PodBuffer(viewing: try take(n * (2 * m + 1), "links"), count: n * (2 * m + 1))
        let ids: UnsafeMutablePointer<Int64> = try take(n, "ids")
        let levels: UnsafeMutablePointer<UInt8> = try take(n, "levels")
        let deleted: UnsafeMutablePointer<UInt8> = try take(n, "tombstones")
        let streamCount: UnsafeMutablePointer<Int64> = try take(1, "upper links")
        let stream: UnsafeMutablePointer<Int32> = try take(Int(streamCount[0]), "upper links")
        index.ids = (0..<n).map { Int(ids[$0]) }
        index.levels = Array(UnsafeBufferPointer(start: levels, count: n))
        index.deleted = (0..<n).map { deleted[$0] != 0 }
        var position = 0
        for node in 0..<n {
            let level = Int(index.levels[node])
            guard level <= 16 else {
                munmap(map, length)
                throw CLIPError.io(file: url.path, reason: "corrupt index file (node \(node) on \(level) levels)")
            }
            index.upperStart.append(level > 0 ? index.upperLinks.count : -1)
            guard level > 0 else { continue }
            index.upperLinks.append(repeating: 0, count: level * index.upperStride)
            for lc in 1...level {
                let c = position < Int(streamCount[0]) ? Int(stream[position]) : -1
                let links =
                    c >= 0 && position + 1 + c <= Int(streamCount[0])
                    ? Array(UnsafeBufferPointer(start: stream + position + 1, count: c)) : []
                guard c >= 0, c <= m, links.count == c, links.allSatisfy({ $0 >= 0 && Int($0) < n }) else {
                    munmap(map, length)
                    throw CLIPError.io(
                        file: url.path, reason: "corrupt index file (the links of node \(node) on level \(lc))")
                }
                index.setLinks(Int32(node), lc, links)
                position += 1 + c
            }
        }
        // Level 0 is read in place: every list must stay within its slot and point at nodes that exist.
        let stride0 = 2 * m + 1
        for node in 0..<n {
            let list = index.level0.base + node * stride0, c = Int(list[0])
            guard c >= 0, c <= 2 * m, (0..<c).allSatisfy({ list[1 + $0] >= 0 && Int(list[1 + $0]) < n }) else {
                munmap(map, length)
                throw CLIPError.io(file: url.path, reason: "corrupt index file (the level-0 links of node \(node))")
            }
        }
        guard index.entry < Int32(max(n, 0)), index.entry >= -1, index.maxLevel <= 16 else {
            munmap(map, length)
            throw CLIPError.io(
                file: url.path, reason: "corrupt index file (entry point \(index.entry), top level \(index.maxLevel))")
        }
        for (node, id) in index.ids.enumerated() where !index.deleted[node] { index.nodeOf[id] = Int32(node) }
        return index
    }

    private init(
        dimension: Int, m: Int, efConstruction: Int, efSearch: Int, viewing mapping: (UnsafeMutableRawPointer, Int)
    ) {
        self.dimension = dimension
        self.m = m
        self.efConstruction = efConstruction
        self.efSearch = efSearch
        self.mapping = mapping
        vectors = PodBuffer()
        level0 = PodBuffer()
    }
}

/// Locks for a parallel build: one per stripe of nodes (a node's link lists are changed only under its
/// stripe's lock), and one for the entry point and top level.
final class NodeLocks: @unchecked Sendable {
    private let stripes = (0..<4096).map { _ in NSLock() }
    let top = NSLock()

    @inline(__always) func stripe(_ node: Int32) -> NSLock { stripes[Int(node) & 4095] }
}
