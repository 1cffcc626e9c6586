import ArgumentParser
import CLIP
import Foundation

enum JPEGDecoding: String, ExpressibleByArgument, CaseIterable {
    case exact, fast
}

/// How commands that read many images decode and batch them, and the shared "embed what can be used,
/// report the rest" step.
struct ImageOptions: ParsableArguments {
    @Option(name: .long, help: "Images per forward pass.")
    var batchSize = 32
    @Flag(name: .long, help: "Ignore EXIF orientation (strict parity with the reference, which ignores it).")
    var noExif = false
    @Option(
        name: .long,
        help:
            """
            How large JPEGs are decoded: exact (full size, bit-exact with the reference) or fast (at a reduced \
            DCT scale, at least 2× the model input, then resized exactly: several times faster, cosine ≥ 0.999 to \
            exact). Default: fast for the library (search, index, duplicates), exact elsewhere.
            """
    )
    var jpeg: JPEGDecoding?

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
    }

    /// The embedder `--jpeg` asks for; `library` commands decode fast unless told otherwise, and a search
    /// by image decodes its query as the library's files were decoded, so a photo finds itself at 1.0.
    func embedder(_ loaded: LoadedModel, library: Bool = false) throws -> ImageEmbedder {
        let decoding = jpeg ?? (library ? .fast : .exact)
        return try loaded.imageEmbedder(
            batchSize: batchSize, applyEXIFOrientation: !noExif, fastJPEG: decoding == .fast)
    }

    /// Embeds `files` with a progress line; files that cannot be used are reported on stderr, once each.
    func embedAvailable(_ files: [String], with embedder: ImageEmbedder) throws
        -> (embeddings: Tensor, used: [(index: Int, path: String)])
    {
        let progress = ProgressLine("embedding", total: Int64(files.count), unit: .items("images"))
        let result = try embedder.embedAvailable(files: files, firstBatch: 4) { progress.update(Int64($0)) }
        progress.finish()
        for failure in result.failures { FileHandle.standardError.write(Data("skipped \(failure)\n".utf8)) }
        if !result.failures.isEmpty {
            FileHandle.standardError.write(Data("\(result.failures.count) of \(files.count) images skipped\n".utf8))
        }
        guard !result.used.isEmpty || files.isEmpty else {
            throw CLIPError.invalidArgument("none of the \(files.count) images could be used")
        }
        return (result.embeddings, result.used)
    }
}
