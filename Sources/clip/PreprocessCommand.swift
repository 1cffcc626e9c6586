import ArgumentParser
import CLIP
import Foundation

/// `clip preprocess`: the model-input tensor of one image, float32 `[3, N, N]`.
struct PreprocessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preprocess",
        abstract: "Write the normalised model-input tensor [3, N, N] of an image to a .npy file.")

    @Argument(help: "The image file.")
    var image: String
    @Option(name: [.customShort("o"), .long], help: "Output .npy path.")
    var output: String
    @Option(name: .long, help: "Input size N.")
    var size = 224
    @Flag(name: .long, help: "Resize both sides to N, ignoring the aspect ratio (open_clip 'squash').")
    var squash = false
    @Flag(name: .long, help: "Ignore EXIF orientation (strict reference parity).")
    var noExif = false
    @Option(
        name: .long,
        help:
            """
            How large JPEGs are decoded: exact (default; bit-exact with the reference) or fast (at a reduced DCT \
            scale, at least 2× the output size, then resized exactly).
            """
    )
    var jpeg: JPEGDecoding = .exact

    func validate() throws {
        guard size >= 1 else { throw ValidationError("--size must be at least 1") }
    }

    func run() throws {
        let decoded = try ImageDecoder.decode(
            file: image,
            options: DecodeOptions(applyEXIFOrientation: !noExif, jpegScaledShortSide: jpeg == .fast ? 2 * size : nil))
        let preprocessor = ImagePreprocessor(
            config: PreprocessConfig(size: size, resizeMode: squash ? .squash : .shortest))
        let tensor = preprocessor.tensor(decoded)
        try NPY.write(UnsafeBufferPointer(tensor.buffer), shape: [3, size, size], to: URL(fileURLWithPath: output))
    }
}
