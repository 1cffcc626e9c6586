import ArgumentParser
import CLIP
import Foundation

/// `clip embed`: L2-normalised embeddings of images (files or folders) or texts as an `[N, D]` .npy, with an
/// `OUT.jsonl` that says which file or text each row is.
struct EmbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Write L2-normalised image or text embeddings to a .npy file (+ a .jsonl naming each row).",
        discussion: """
            Folders are searched recursively for image files (hidden ones skipped), in sorted path order. Images that \
            cannot be decoded are skipped and listed on stderr; OUT.jsonl maps rows to files ({"index", "path"}, index \
            being the position in the full input list) or to texts ({"index", "text"}).
            """)

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var imageOptions: ImageOptions

    @Option(name: .long, parsing: .upToNextOption, help: "Image files or folders to embed.")
    var images: [String] = []
    @Option(name: .long, help: "A UTF-8 text file: one text per line.")
    var texts: String?
    @Option(name: .long, help: "A float32 .npy of preprocessed images [N, 3, S, S] (skips decoding).")
    var pixels: String?
    @Option(name: .long, help: "An int .npy of token ids [N, context] (skips tokenizing).")
    var tokenIds: String?
    @Option(name: [.customShort("o"), .long], help: "Output .npy path; OUT.jsonl is written beside it.")
    var output: String
    @Flag(name: .long, help: "Write float16 instead of float32.")
    var half = false
    @Option(name: .long, help: "i/n: embed only this machine's share (inputs whose index % n == i, 0 ≤ i < n).")
    var shard: String?

    func validate() throws {
        let inputs = [!images.isEmpty, texts != nil, pixels != nil, tokenIds != nil].filter { $0 }.count
        guard inputs == 1 else { throw ValidationError("give exactly one of --images, --texts, --pixels, --token-ids") }
        _ = try shardSpec()
    }

    func shardSpec() throws -> (index: Int, count: Int)? {
        guard let shard else { return nil }
        let parts = shard.split(separator: "/").map { Int($0) }
        guard parts.count == 2, let i = parts[0], let n = parts[1], n >= 1, (0..<n).contains(i) else {
            throw ValidationError("--shard must be i/n with 0 ≤ i < n, e.g. 0/4")
        }
        return (i, n)
    }

    /// The positions of the full input list this run embeds.
    func selected(_ count: Int) throws -> [Int] {
        guard let (i, n) = try shardSpec() else { return Array(0..<count) }
        return stride(from: i, to: count, by: n).map { $0 }
    }

    func run() async throws {
        runtime.apply()
        let embeddings: Tensor
        var rows: [[String: Any]] = []
        if !images.isEmpty {
            let loaded = try modelOptions.load(towers: .vision)
            let all = try ImageFiles.collect(images)
            let mine = try selected(all.count)
            let (result, used) = try imageOptions.embedAvailable(
                mine.map { all[$0] }, with: try imageOptions.embedder(loaded))
            embeddings = result
            rows = used.map { ["index": mine[$0.index], "path": $0.path] }
        } else if let pixels {
            let vision = try modelOptions.load(towers: .vision).model.requireVision()
            embeddings = try vision.embed(pixels: try NPY.read(URL(fileURLWithPath: pixels)).tensor(file: pixels))
            rows = (0..<embeddings.shape[0]).map { ["index": $0, "path": pixels] }
        } else {
            let loaded = try modelOptions.load(towers: .text)
            let text = try loaded.model.requireText()
            var sequences: [[Int32]]
            var labels: [String]
            if let tokenIds {
                guard case let .int32(shape, values) = try NPY.read(URL(fileURLWithPath: tokenIds)), shape.count == 2
                else {
                    throw CLIPError.input(file: tokenIds, reason: "expected a 2-D integer array [N, context]")
                }
                sequences = (0..<shape[0]).map { Array(values[($0 * shape[1])..<(($0 + 1) * shape[1])]) }
                labels = (0..<shape[0]).map { "token row \($0)" }
            } else {
                labels = try TextList.read(texts!)
                // Rows follow lines, so an empty line would be embedded as the empty text: never what was meant.
                if let blank = labels.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                    throw CLIPError.input(
                        file: "\(texts!):\(blank + 1)",
                        reason: "the line is empty; remove it (each line is one text, embedded as one row)")
                }
                guard !labels.isEmpty else {
                    throw CLIPError.input(file: texts!, reason: "has no texts (one per line)")
                }
                let tokenizer = try loaded.tokenizer()
                sequences = tokenizer.ids(labels)
            }
            let mine = try selected(sequences.count)
            embeddings = try text.embed(tokens: mine.map { sequences[$0] })
            rows = mine.map { ["index": $0, "text": labels[$0]] }
        }
        let url = URL(fileURLWithPath: output)
        if half {
            try NPY.writeHalf(UnsafeBufferPointer(embeddings.buffer), shape: embeddings.shape, to: url)
        } else {
            try NPY.write(embeddings, to: url)
        }
        try JSONLines.write(rows, to: url.deletingPathExtension().appendingPathExtension("jsonl"))
        FileHandle.standardError.write(
            Data(
                """
                wrote \(embeddings.shape[0]) x \(embeddings.shape[1]) \(half ? "float16" : "float32") embeddings \
                to \(output)\n
                """
                .utf8))
    }
}
