import CLIPSearch
import CLIPTestSupport
import Foundation
import XCTest

final class IndexTests: XCTestCase {
    func randomUnitVectors(_ n: Int, _ d: Int, seed: UInt64) -> [Float] {
        var state = seed
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2_000_001 - 1_000_000) / 1_000_000
        }
        var v = (0..<(n * d)).map { _ in next() }
        for r in 0..<n {
            let norm = v[(r * d)..<((r + 1) * d)].reduce(0) { $0 + $1 * $1 }.squareRoot()
            for k in 0..<d { v[r * d + k] /= norm }
        }
        return v
    }

    func testFlatIndexMatchesBruteForceInBothStorages() {
        let (n, d) = (5000, 64)
        let data = randomUnitVectors(n, d, seed: 1), queries = randomUnitVectors(20, d, seed: 2)
        for storage in [FlatIndex.Storage.float32, .float16] {
            let index = FlatIndex(dimension: d, storage: storage)
            data.withUnsafeBufferPointer { index.add($0, ids: (0..<n).map { $0 * 10 }) }
            for q in 0..<20 {
                let query = Array(queries[(q * d)..<((q + 1) * d)])
                let exact = (0..<n).map { i in
                    (i * 10, zip(query, data[(i * d)..<((i + 1) * d)]).reduce(Float(0)) { $0 + $1.0 * $1.1 })
                }
                .sorted { $0.1 > $1.1 }.prefix(10)
                let found = index.search(query, k: 10)
                if storage == .float32 {
                    XCTAssertEqual(found.map(\.id), exact.map(\.0))
                    for (a, b) in zip(found, exact) { XCTAssertEqual(a.score, b.1, accuracy: 1e-5) }
                } else {
                    // Half precision may swap near-ties; the best match and scores stay close.
                    XCTAssertEqual(found[0].id, exact.first!.0)
                    for (a, b) in zip(found, exact) { XCTAssertEqual(a.score, b.1, accuracy: 2e-3) }
                }
            }
        }
    }

    func testQueryArithmeticParsing() throws {
        let isFile = { (p: String) in p == "beach.jpg" }
        let q = try SearchQuery.parse(["cat", "+", "2:snow", "-", "indoor"], isFile: isFile)
        XCTAssertEqual(
            q.terms,
            [
                .init(weight: 1, part: .text("cat")), .init(weight: 2, part: .text("snow")),
                .init(weight: -1, part: .text("indoor"))
            ])
        let quoted = try SearchQuery.parse(["\"cat\" + \"2:snow\" - \"indoor\""], isFile: isFile)
        XCTAssertEqual(quoted, q)
        let image = try SearchQuery.parse(["beach.jpg", "-", "0.5:people"], isFile: isFile)
        XCTAssertEqual(
            image.terms, [.init(weight: 1, part: .image("beach.jpg")), .init(weight: -0.5, part: .text("people"))])
        XCTAssertEqual(
            try SearchQuery.parse([], image: "beach.jpg", isFile: isFile).terms,
            [.init(weight: 1, part: .image("beach.jpg"))])
        XCTAssertThrowsError(try SearchQuery.parse([]))
        XCTAssertThrowsError(try SearchQuery.parse(["\"unbalanced"]))
        let v = try q.vector(
            embedText: { $0.map { t in t == "cat" ? [1, 0] : (t == "snow" ? [0, 1] : [1, 1]) } },
            embedImage: { _ in [] })
        // cat + 2·snow − (1,1) = (0, 1)
        XCTAssertEqual(v, [0, 1])
    }
}

final class HNSWTests: XCTestCase {
    /// Clustered unit vectors: queries near real data, as photo libraries are.
    func clustered(_ n: Int, _ d: Int, clusters: Int, seed: UInt64) -> [[Float]] {
        var state = seed
        func gaussian() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let u1 = (Double(state >> 11) + 0.5) / Double(1 << 53)
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let u2 = Double(state >> 11) / Double(1 << 53)
            return Float((-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
        }
        let centres = (0..<clusters).map { _ in (0..<d).map { _ in gaussian() } }
        return (0..<n).map { i in
            var v = centres[i % clusters].enumerated().map { $0.element + 0.6 * gaussian() }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            for k in v.indices { v[k] /= norm }
            return v
        }
    }

    func testRecallTombstonesAndSaveLoad() throws {
        let (n, d) = (4000, 48)
        let data = clustered(n, d, clusters: 40, seed: 3), queries = clustered(100, d, clusters: 40, seed: 4)
        let index = HNSWIndex(dimension: d, m: 16, efConstruction: 100, efSearch: 64)
        for (i, v) in data.enumerated() { index.add(v, id: 1000 + i) }
        let flat = FlatIndex(dimension: d)
        data.flatMap { $0 }.withUnsafeBufferPointer { flat.add($0, ids: (0..<n).map { 1000 + $0 }) }
        func recall(_ index: VectorIndex, excluding removed: Set<Int> = []) -> Double {
            var hits = 0
            for q in queries {
                let truth = Set(
                    flat.search(q, k: 10 + removed.count).map(\.id).filter { !removed.contains($0) }.prefix(10))
                hits += index.search(q, k: 10).filter { truth.contains($0.id) }.count
            }
            return Double(hits) / Double(10 * queries.count)
        }
        let fast = recall(index)
        index.efSearch = 128
        let r = recall(index)
        XCTAssertGreaterThanOrEqual(r, 0.95, "recall@10 \(r) at ef 128")
        XCTAssertGreaterThan(r, fast * 0.999, "a wider search is not worse")
        // Half-precision storage: scores stay within 1e-3 of the exact fp32 inner products.
        for q in queries.prefix(20) {
            let exact = Dictionary(uniqueKeysWithValues: flat.search(q, k: 50).map { ($0.id, $0.score) })
            for hit in index.search(q, k: 10) {
                if let e = exact[hit.id] { XCTAssertEqual(hit.score, e, accuracy: 1e-3, "score of \(hit.id)") }
            }
        }

        // Tombstones: never returned, and search still finds the rest.
        let removed = Set((0..<400).map { 1000 + $0 * 10 })
        for id in removed { index.remove(id: id) }
        XCTAssertEqual(index.count, n - removed.count)
        for q in queries { XCTAssertTrue(index.search(q, k: 10).allSatisfy { !removed.contains($0.id) }) }
        XCTAssertGreaterThanOrEqual(recall(index, excluding: removed), 0.93)

        // Save and load (mmap): identical answers; the loaded index keeps accepting inserts.
        let url = try temporaryDirectory(self).appendingPathComponent("index.hnsw")
        try index.save(to: url)
        let loaded = try HNSWIndex.load(from: url)
        XCTAssertEqual(loaded.count, index.count)
        for q in queries.prefix(20) {
            XCTAssertEqual(loaded.search(q, k: 10).map(\.id), index.search(q, k: 10).map(\.id))
        }
        loaded.add(queries[0], id: 7)
        XCTAssertEqual(loaded.search(queries[0], k: 1).first?.id, 7)
        XCTAssertThrowsError(
            try HNSWIndex.load(from: url.deletingLastPathComponent().appendingPathComponent("missing")))
        try Data("SCHNSW02 but short".utf8).write(to: url)
        XCTAssertThrowsError(try HNSWIndex.load(from: url))
        // A file of the fp32 format (01) is refused, so a library rebuilds it rather than misreading it.
        try (Data("SCHNSW01".utf8) + Data(count: 4096)).write(to: url)
        XCTAssertThrowsError(try HNSWIndex.load(from: url)) {
            XCTAssertTrue("\($0)".contains("not a SwiftCLIP HNSW index"), "\($0)")
        }
        // A link pointing past the last node (a corrupt or foreign file) is refused, never followed.
        try index.save(to: url)
        var bytes = [UInt8](try Data(contentsOf: url))
        let linksStart = 8 + 8 * 8 + (index.count + removed.count) * d * 2  // magic, header, half-precision vectors
        bytes.withUnsafeMutableBytes { raw in
            let links = raw.baseAddress!.advanced(by: linksStart).assumingMemoryBound(to: Int32.self)
            XCTAssertGreaterThan(links[0], 0, "node 0 has links")
            links[1] = Int32(1 << 30)
        }
        try Data(bytes).write(to: url)
        XCTAssertThrowsError(try HNSWIndex.load(from: url)) {
            XCTAssertTrue("\($0)".contains("corrupt index file"), "\($0)")
        }
    }

    /// Built on several threads (four, more than this machine has cores, to make the races likely): the
    /// recall of a one-thread build, every vector findable, and the graph saves and loads as any other.
    func testAParallelBuildHasTheRecallOfASequentialOne() throws {
        let (n, d) = (8000, 48)
        let data = clustered(n, d, clusters: 60, seed: 7), queries = clustered(200, d, clusters: 60, seed: 8)
        let rows = data.flatMap { $0 }, ids = (0..<n).map { 5000 + $0 }
        let flat = FlatIndex(dimension: d)
        rows.withUnsafeBufferPointer { flat.add($0, ids: ids) }
        let truth = queries.map { Set(flat.search($0, k: 10).map(\.id)) }
        func recall(_ index: HNSWIndex) -> Double {
            Double(
                zip(queries, truth).map { q, t in index.search(q, k: 10).filter { t.contains($0.id) }.count }.reduce(
                    0, +)) / Double(10 * queries.count)
        }
        let sequential = HNSWIndex(dimension: d, m: 12, efConstruction: 80, efSearch: 128)
        sequential.add(rows: rows, ids: ids, threads: 1)
        let parallel = HNSWIndex(dimension: d, m: 12, efConstruction: 80, efSearch: 128)
        parallel.add(rows: rows, ids: ids, threads: 4)
        XCTAssertEqual(parallel.count, n)
        let (r1, r4) = (recall(sequential), recall(parallel))
        print("recall@10 at ef 128: one thread \(r1), four threads \(r4)")
        XCTAssertGreaterThanOrEqual(r1, 0.9)
        XCTAssertGreaterThanOrEqual(r4, r1 - 0.02, "one thread \(r1), four \(r4)")
        let found = (0..<n).filter { parallel.search(data[$0], k: 1).first?.id == ids[$0] }.count
        XCTAssertGreaterThanOrEqual(Double(found), 0.99 * Double(n), "vectors that find themselves first")

        // A second batch on top, replacing some ids (their old nodes tombstoned), still in parallel.
        let more = clustered(2000, d, clusters: 60, seed: 9)
        let replaced = (0..<2000).map { $0 < 500 ? 5000 + $0 : 20_000 + $0 }
        parallel.add(rows: more.flatMap { $0 }, ids: replaced, threads: 4)
        XCTAssertEqual(parallel.count, n + 1500)
        XCTAssertEqual(parallel.search(more[0], k: 1).first?.id, 5000)
        XCTAssertEqual(parallel.search(more[1999], k: 1).first?.id, 21_999)

        let url = try temporaryDirectory(self).appendingPathComponent("index.hnsw")
        try parallel.save(to: url)
        let loaded = try HNSWIndex.load(from: url)
        for q in queries.prefix(50) {
            XCTAssertEqual(loaded.search(q, k: 10).map(\.id), parallel.search(q, k: 10).map(\.id))
        }
    }

    func testConcurrentSearchesMatchSequentialOnes() {
        let (n, d) = (3000, 32)
        let data = clustered(n, d, clusters: 30, seed: 5), queries = clustered(64, d, clusters: 30, seed: 6)
        let index = HNSWIndex(dimension: d, m: 12, efConstruction: 80, efSearch: 48)
        for (i, v) in data.enumerated() { index.add(v, id: i) }
        let expected = queries.map { index.search($0, k: 10).map(\.id) }
        let got = Results(queries.count)
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for (i, q) in queries.enumerated() where i % 8 == worker {
                for _ in 0..<5 { got.set(i, index.search(q, k: 10).map(\.id)) }
            }
        }
        XCTAssertEqual(got.values, expected)
        // An explicit ef leaves the index's default alone.
        _ = index.search(queries[0], k: 10, ef: 200)
        XCTAssertEqual(index.efSearch, 48)
    }
}

/// One answer slot per query, written from several threads (each slot by one thread).
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [[Int]]
    init(_ count: Int) { values = Array(repeating: [], count: count) }
    func set(_ i: Int, _ value: [Int]) {
        lock.lock()
        values[i] = value
        lock.unlock()
    }
}
