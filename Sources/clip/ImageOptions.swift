import ArgumentParser
import CLIP
import Foundation

/// How commands that read many images decode and batch them, and the shared "embed what can be used,
/// report the rest" step.
struct ImageOptions: ParsableArguments {
    @Option(name: .long, help: "Images per forward pass.")
    var batchSize = 32
    @Flag(name: .long, help: "Ignore EXIF orientation (strict parity with the reference, which ignores it).")
    var noExif = false
    @Flag(name: .long, help: "Decode large JPEGs at a reduced DCT scale (≥ 2× the input size), then resize exactly: faster, not bit-exact.")
    var fastJpeg = false

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
    }

    /// `fastJPEG` overrides `--fast-jpeg` (indexing decodes fast unless told `--exact`).
    func embedder(_ loaded: LoadedModel, fastJPEG: Bool? = nil) throws -> ImageEmbedder {
        try loaded.imageEmbedder(batchSize: batchSize, applyEXIFOrientation: !noExif, fastJPEG: fastJPEG ?? fastJpeg)
    }

    /// Embeds `files` with a progress line; files that cannot be used are reported on stderr, once each.
    func embedAvailable(_ files: [String], with embedder: ImageEmbedder) throws
        -> (embeddings: Tensor, used: [(index: Int, path: String)]) {
        let progress = ProgressLine("embedding", total: Int64(files.count), unit: .items("images"))
        let result = try embedder.embedAvailable(files: files) { progress.update(Int64($0)) }
        progress.finish()
        for failure in result.failures { FileHandle.standardError.write(Data("skipped \(failure)\n".utf8)) }
        if !result.failures.isEmpty {
            FileHandle.standardError.write(Data("\(result.failures.count) of \(files.count) images skipped\n".utf8))
        }
        guard !result.used.isEmpty || files.isEmpty else { throw CLIPError.invalidArgument("none of the \(files.count) images could be used") }
        return (result.embeddings, result.used)
    }
}
