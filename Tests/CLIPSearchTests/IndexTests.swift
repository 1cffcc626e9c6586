import CLIPSearch
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
                let exact = (0..<n).map { i in (i * 10, zip(query, data[(i * d)..<((i + 1) * d)]).reduce(Float(0)) { $0 + $1.0 * $1.1 }) }
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
        XCTAssertEqual(q.terms, [.init(weight: 1, part: .text("cat")), .init(weight: 2, part: .text("snow")), .init(weight: -1, part: .text("indoor"))])
        let quoted = try SearchQuery.parse(["\"cat\" + \"2:snow\" - \"indoor\""], isFile: isFile)
        XCTAssertEqual(quoted, q)
        let image = try SearchQuery.parse(["beach.jpg", "-", "0.5:people"], isFile: isFile)
        XCTAssertEqual(image.terms, [.init(weight: 1, part: .image("beach.jpg")), .init(weight: -0.5, part: .text("people"))])
        XCTAssertEqual(try SearchQuery.parse([], image: "beach.jpg", isFile: isFile).terms, [.init(weight: 1, part: .image("beach.jpg"))])
        XCTAssertThrowsError(try SearchQuery.parse([]))
        XCTAssertThrowsError(try SearchQuery.parse(["\"unbalanced"]))
        let v = try q.vector(embedText: { $0.map { t in t == "cat" ? [1, 0] : (t == "snow" ? [0, 1] : [1, 1]) } }, embedImage: { _ in [] })
        // cat + 2·snow − (1,1) = (0, 1)
        XCTAssertEqual(v, [0, 1])
    }
}
