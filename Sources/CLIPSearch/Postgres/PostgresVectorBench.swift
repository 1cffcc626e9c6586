import CLIP
import Foundation
import NIOCore
import PostgresNIO

/// pgvector measured the way `clip bench ann` measures this project's indexes: a table of the benchmark's
/// vectors (`clip_bench_vectors` in the library's schema, dropped afterwards), loaded with INSERT and with COPY, an
/// HNSW index
/// over inner product, and single-client searches at several `ef_search`.
public struct PostgresVectorBench: Sendable {
    let library: PostgresStore
    let dimension: Int

    public init(library: PostgresStore, dimension: Int) {
        self.library = library
        self.dimension = dimension
    }

    var table: String { library.names.qualified("clip_bench_vectors") }

    public func reset() async throws {
        try await drop()
        try await library.exec(
            PostgresQuery(
                unsafeSQL: "CREATE TABLE \(table) (id integer PRIMARY KEY, embedding vector(\(dimension)) NOT NULL)"))
    }

    public func drop() async throws {
        try await library.exec(PostgresQuery(unsafeSQL: "DROP TABLE IF EXISTS \(table)"))
    }

    /// Rows `range` of `vectors`, one INSERT per row in transactions of `batch` rows (what indexing's
    /// commits do); rows per second.
    public func insert(_ vectors: Tensor, rows range: Range<Int>, batch: Int = 500) async throws -> Double {
        let start = Date()
        for first in stride(from: range.lowerBound, to: range.upperBound, by: batch) {
            try await library.transaction { _ in
                for i in first..<min(range.upperBound, first + batch) {
                    let vector = PostgresStore.literal(vectors.row(i))
                    try await library.exec(
                        "INSERT INTO \(unescaped: table) (id, embedding) VALUES (\(i), \(vector)::vector)")
                }
            }
        }
        return Double(range.count) / Date().timeIntervalSince(start)
    }

    /// Rows `range` through `COPY … FROM STDIN` (text format: postgres-nio's COPY writes text); rows per second.
    public func copy(_ vectors: Tensor, rows range: Range<Int>) async throws -> Double {
        let start = Date()
        try await library.connection.copyFrom(
            table: library.names.copyTarget("clip_bench_vectors"), columns: ["id", "embedding"], logger: library.logger
        ) { writer in
            var buffer = ByteBuffer()
            for i in range {
                buffer.writeString("\(i)\t\(PostgresStore.literal(vectors.row(i)))\n")
                if buffer.readableBytes > 1 << 20 {
                    try await writer.write(buffer)
                    buffer.clear()
                }
            }
            if buffer.readableBytes > 0 { try await writer.write(buffer) }
        }
        return Double(range.count) / Date().timeIntervalSince(start)
    }

    /// Builds the HNSW index as the library's (m 16, ef_construction 64), with room in memory for the
    /// graph; seconds.
    public func buildIndex(maintenanceMemory: String = "2GB") async throws -> Double {
        let start = Date()
        try await library.exec(PostgresQuery(unsafeSQL: "SET maintenance_work_mem = '\(maintenanceMemory)'"))
        try await library.exec(
            PostgresQuery(
                unsafeSQL: """
                    CREATE INDEX clip_bench_vectors_hnsw ON \(table) USING hnsw (embedding vector_ip_ops)
                    WITH (m = \(PostgresStore.hnswM), ef_construction = \(PostgresStore.hnswEfConstruction))
                    """))
        return Date().timeIntervalSince(start)
    }

    /// The ids of the `k` nearest rows to `query` through the index, at `efSearch`.
    public func search(_ query: [Float], k: Int, efSearch: Int) async throws -> [Int] {
        try await library.transaction { _ in
            try await library.exec(PostgresQuery(unsafeSQL: "SET LOCAL hnsw.ef_search = \(efSearch)"))
            let vector = PostgresStore.literal(query)
            return try await library.exec(
                "SELECT id FROM \(unescaped: table) ORDER BY embedding <#> \(vector)::vector LIMIT \(k)"
            )
            .map { Int(try $0.decode(Int32.self)) }
        }
    }
}
