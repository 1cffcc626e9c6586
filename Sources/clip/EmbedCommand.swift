import ArgumentParser
import CLIP
import Foundation

/// `clip embed`: L2-normalised embeddings of images or texts as a float32 `[N, D]` .npy, rows in input order.
struct EmbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Write L2-normalised image or text embeddings to a .npy file.")

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var runtime: RuntimeOptions

    @Option(name: .long, parsing: .upToNextOption, help: "Image files to embed (rows in this order).")
    var images: [String] = []
    @Option(name: .long, help: "A UTF-8 text file: one text per line.")
    var texts: String?
    @Option(name: .long, help: "A float32 .npy of preprocessed images [N, 3, S, S] (skips decoding).")
    var pixels: String?
    @Option(name: .long, help: "An int .npy of token ids [N, context] (skips tokenizing).")
    var tokenIds: String?
    @Option(name: [.customShort("o"), .long], help: "Output .npy path.")
    var output: String
    @Option(name: .long, help: "Images per forward pass.")
    var batchSize = 32
    @Flag(name: .long, help: "Ignore EXIF orientation (strict parity with the reference, which ignores it).")
    var noExif = false
    @Flag(name: .long, help: "Decode large JPEGs at a reduced DCT scale (≥ 2× the input size), then resize exactly: faster, not bit-exact.")
    var fastJpeg = false

    func validate() throws {
        let inputs = [!images.isEmpty, texts != nil, pixels != nil, tokenIds != nil].filter { $0 }.count
        guard inputs == 1 else { throw ValidationError("give exactly one of --images, --texts, --pixels, --token-ids") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() async throws {
        runtime.apply()
        let embeddings: Tensor
        if !images.isEmpty || pixels != nil {
            let loaded = try modelOptions.load(towers: .vision)
            let vision = try loaded.model.requireVision()
            if let pixels {
                embeddings = try vision.embed(pixels: try NPY.read(URL(fileURLWithPath: pixels)).tensor(file: pixels))
            } else {
                let preprocess = ImagePreprocessor(config: try PreprocessConfig.forModel(folder: loaded.folder, imageSize: vision.config.imageSize))
                let decode = DecodeOptions(applyEXIFOrientation: !noExif, jpegScaledShortSide: fastJpeg ? 2 * preprocess.config.size : nil)
                embeddings = try ImageEmbedder(vision: vision, preprocessor: preprocess, options: decode, batchSize: batchSize)
                    .embed(files: images)
            }
        } else {
            let loaded = try modelOptions.load(towers: .text)
            let text = try loaded.model.requireText()
            let sequences: [[Int32]]
            if let tokenIds {
                guard case let .int32(shape, values) = try NPY.read(URL(fileURLWithPath: tokenIds)), shape.count == 2 else {
                    throw CLIPError.input(file: tokenIds, reason: "expected a 2-D integer array [N, context]")
                }
                sequences = (0..<shape[0]).map { Array(values[($0 * shape[1])..<(($0 + 1) * shape[1])]) }
            } else {
                let lines = try TextList.read(texts!)
                let tokenizer = try Tokenizer.forModel(at: loaded.folder)
                sequences = lines.map { tokenizer.encode($0).ids }
            }
            embeddings = try text.embed(tokens: sequences)
        }
        try NPY.write(embeddings, to: URL(fileURLWithPath: output))
        FileHandle.standardError.write(Data("wrote \(embeddings.shape[0]) x \(embeddings.shape[1]) embeddings to \(output)\n".utf8))
    }
}
