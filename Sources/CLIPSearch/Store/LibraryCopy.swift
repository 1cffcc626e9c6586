import CLIP
import Foundation

/// Copies a library between stores (the folder library into PostgreSQL, or back): every file record with
/// its vector, or its error, under the source's model. Nothing is embedded again.
public enum LibraryCopy {
    public struct Report: Sendable {
        public var model = ""
        public var embedded = 0
        public var failed = 0
    }

    /// Binds `destination` to the source's model (clearing vectors of another model there: the copy is
    /// asked for by naming the destination), records the source's folders there, then commits in batches
    /// of `batch` files; a copy interrupted midway is finished by running it again.
    public static func copy(
        from source: any LibraryStore, to destination: any LibraryStore, batch: Int = 500,
        progress: (@Sendable (Int, Int) -> Void)? = nil
    ) async throws -> Report {
        guard let model = try await source.storedModel() else {
            throw CLIPError.invalidArgument("the library \(source.location) is empty: nothing to copy")
        }
        _ = try await source.bind(model, replacing: false)
        _ = try await destination.bind(model, replacing: true)
        try await destination.recordFolders(try await source.folders())
        let records = try await source.files(under: "/")
        let (files, vectors) = try await source.embeddings(under: [])
        var report = Report(model: model.id)
        var embedded: [(IndexedFile, [Float])] = [], other: [IndexedFile] = []
        for (i, file) in files.enumerated() {
            guard var record = records[file.path] else { continue }
            record.id = nil  // ids belong to each store
            embedded.append((record, Array(vectors[(i * model.dimension)..<((i + 1) * model.dimension)])))
        }
        for record in records.values where record.error != nil {
            var failed = record
            failed.id = nil
            other.append(failed)
        }
        let total = embedded.count + other.count
        let withVectors = embedded
        var done = try await destination.bulkInsert(rows: embedded.count) {
            var done = 0
            for start in stride(from: 0, to: withVectors.count, by: batch) {
                let part = Array(withVectors[start..<min(withVectors.count, start + batch)])
                try await destination.importFiles(part)
                done += part.count
                progress?(done, total)
            }
            return done
        }
        for start in stride(from: 0, to: other.count, by: batch) {
            let part = Array(other[start..<min(other.count, start + batch)])
            try await destination.commit(embedded: [], other: part, removed: [])
            done += part.count
            progress?(done, total)
        }
        report.embedded = embedded.count
        report.failed = other.count
        return report
    }
}
