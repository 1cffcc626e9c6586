import ArgumentParser
import CLIP
import CLIPSearch
import Foundation

/// `clip bench ann DATA`: the vector indexes on tools/make_ann_data.py's data, measured as
/// tools/bench_ann_peers.py measures faiss and hnswlib.
struct AnnBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ann",
        abstract:
            """
                Benchmark the flat and HNSW indexes: build time (on --build-threads), recall@10, single-query \
                queries/s on one thread.
                """
    )

    @Argument(help: "A folder with base.npy, queries.npy and truth.npy (tools/make_ann_data.py).")
    var data: String
    @Option(name: .long, help: "efSearch values to try.")
    var ef = "16,32,64,128,256"
    @Option(name: .long, help: "Save the built HNSW index here and time loading it back.")
    var save: String?
    @Option(name: .long, help: "Load a saved HNSW index instead of building one (to re-measure searches).")
    var load: String?
    @Option(
        name: .long,
        help:
            """
                Also measure pgvector on this postgres://user@host:port/database: INSERT and COPY rows/s, the HNSW \
                build, recall@10 and queries/s from one client.
                """
    )
    var store: String?
    @Option(name: .long, help: "pgvector ef_search values to try.")
    var pgEf = "40,100,400"
    @Option(name: .long, help: "Rows loaded with INSERT for its rate (all rows go in with COPY).")
    var insertRows = 20_000
    @Option(name: .long, help: "Threads that build the HNSW graph (default: every core); searches are timed on one.")
    var buildThreads = ProcessInfo.processInfo.activeProcessorCount

    func run() async throws {
        Parallelism.threads = 1  // also pins OpenBLAS to one thread: every figure here is single-threaded
        let folder = URL(fileURLWithPath: data)
        func floats(_ name: String) throws -> Tensor {
            try NPY.read(folder.appendingPathComponent(name)).tensor(file: name)
        }
        let base = try floats("base.npy"), queries = try floats("queries.npy")
        guard case let .int32(shape, truthValues) = try NPY.read(folder.appendingPathComponent("truth.npy")) else {
            throw CLIPError.input(file: "truth.npy", reason: "expected int32")
        }
        let (n, d) = (base.shape[0], base.shape[1])
        let truth = (0..<shape[0]).map { Set(truthValues[($0 * shape[1])..<($0 * shape[1] + 10)].map(Int.init)) }
        let qs = (0..<queries.shape[0]).map { queries.row($0) }
        print("data: \(n) x \(d), \(qs.count) queries; \(BuildInfo.summary)")
        func recall(_ index: VectorIndex) -> Double {
            Double(
                zip(qs, truth).map { q, t in index.search(q, k: 10).filter { t.contains($0.id) }.count }.reduce(0, +))
                / Double(10 * qs.count)
        }
        func queriesPerSecond(_ index: VectorIndex) -> Double {
            var done = 0
            let start = Date()
            repeat {
                for q in qs { _ = index.search(q, k: 10) }
                done += qs.count
            } while Date().timeIntervalSince(start) < 2
            return Double(done) / Date().timeIntervalSince(start)
        }
        var start = Date()
        let flat = FlatIndex(dimension: d)
        flat.add(UnsafeBufferPointer(base.buffer), ids: Array(0..<n))
        print(
            String(
                format: "SwiftCLIP FlatIndex      build %7.2f s   recall@10 %.4f   %8.1f queries/s (1 thread)",
                Date().timeIntervalSince(start), recall(flat), queriesPerSecond(flat)))
        start = Date()
        var hnsw = HNSWIndex(dimension: d, m: 16, efConstruction: 200)
        if let load {
            hnsw = try HNSWIndex.load(from: URL(fileURLWithPath: load))
            print(
                String(format: "SwiftCLIP HNSW loaded from %@ (mmap) in %.3f s", load, Date().timeIntervalSince(start)))
        } else {
            hnsw.add(rows: base.scalars, ids: Array(0..<n), threads: buildThreads)
            print(
                String(
                    format: "SwiftCLIP HNSW M=16 efC=200 build %7.2f s (%d threads)", Date().timeIntervalSince(start),
                    buildThreads))
        }
        if let save {
            try hnsw.save(to: URL(fileURLWithPath: save))
            start = Date()
            hnsw = try HNSWIndex.load(from: URL(fileURLWithPath: save))
            print(String(format: "saved; loaded back (mmap) in %.3f s", Date().timeIntervalSince(start)))
        }
        for value in ef.split(separator: ",").compactMap({ Int($0) }) {
            hnsw.efSearch = max(value, 10)
            print(
                String(
                    format: "SwiftCLIP HNSW ef %4d   recall@10 %.4f   %8.1f queries/s (1 thread)", value, recall(hnsw),
                    queriesPerSecond(hnsw)))
        }
        if let store { try await benchPostgres(store, base: base, queries: qs, truth: truth) }
    }

    func benchPostgres(_ url: String, base: Tensor, queries: [[Float]], truth: [Set<Int>]) async throws {
        let library = try await PostgresStore.connect(url)
        let bench = PostgresVectorBench(library: library, dimension: base.shape[1])
        let n = base.shape[0]
        try await bench.reset()
        let inserted = min(insertRows, n)
        let insertRate = try await bench.insert(base, rows: 0..<inserted)
        try await bench.reset()
        let copyRate = try await bench.copy(base, rows: 0..<n)
        print(
            String(
                format:
                    """
                        pgvector load: INSERT %.0f rows/s (%d rows, one statement each, 500 a transaction); COPY %.0f \
                        rows/s (%d rows, text)
                        """,
                insertRate, inserted, copyRate, n))
        let build = try await bench.buildIndex()
        print(
            String(
                format: "pgvector HNSW m=%d ef_construction=%d build %7.2f s (server: %@)",
                PostgresStore.hnswM, PostgresStore.hnswEfConstruction, build, library.location))
        for ef in pgEf.split(separator: ",").compactMap({ Int($0) }) {
            var found = 0
            for (q, t) in zip(queries, truth) {
                found += try await bench.search(q, k: 10, efSearch: ef).filter { t.contains($0) }.count
            }
            var done = 0
            let start = Date()
            repeat {
                for q in queries { _ = try await bench.search(q, k: 10, efSearch: ef) }
                done += queries.count
            } while Date().timeIntervalSince(start) < 2
            print(
                String(
                    format: "pgvector HNSW ef %4d   recall@10 %.4f   %8.1f queries/s (1 client, loopback)",
                    ef, Double(found) / Double(10 * queries.count), Double(done) / Date().timeIntervalSince(start)))
        }
        try await bench.drop()
        await library.close()
    }
}
