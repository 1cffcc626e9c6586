import Foundation

/// Options for turning a file into pixels.
public struct DecodeOptions: Sendable {
    /// Apply EXIF orientation so phone photos are seen upright (off for strict reference parity).
    public var applyEXIFOrientation = true
    /// Images with more pixels than this are refused before decoding (decompression bombs, panoramas).
    public var maxPixels = 100_000_000
    /// Fast path for large JPEGs: let the decoder scale by a DCT factor (1/8 … 1) to the smallest size whose
    /// short side is still at least this many pixels, then resize exactly from there. `nil` decodes at full
    /// size (exact reference parity). Set it to twice the model's input size.
    public var jpegScaledShortSide: Int?

    public init(applyEXIFOrientation: Bool = true, maxPixels: Int = 100_000_000, jpegScaledShortSide: Int? = nil) {
        self.applyEXIFOrientation = applyEXIFOrientation
        self.maxPixels = maxPixels
        self.jpegScaledShortSide = jpegScaledShortSide
    }
}

/// Decodes image files by their content (never by extension). Every failure is a `CLIPError.input`
/// naming the file and the reason.
public enum ImageDecoder {
    public enum Format: String, Sendable { case jpeg = "JPEG", png = "PNG", webp = "WebP", gif = "GIF", heif = "HEIF" }

    public static func detectFormat(_ bytes: UnsafeRawBufferPointer) -> Format? {
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF { return .jpeg }
        if bytes.count >= 8, Array(bytes[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] { return .png }
        if bytes.count >= 6, Array(bytes[0..<6]) == Array("GIF87a".utf8) || Array(bytes[0..<6]) == Array("GIF89a".utf8)
        {
            return .gif
        }
        if HEIFDecoder.isHEIF(bytes) { return .heif }
        if bytes.count >= 12, Array(bytes[0..<4]) == Array("RIFF".utf8), Array(bytes[8..<12]) == Array("WEBP".utf8) {
            return .webp
        }
        return nil
    }

    public static func decode(file path: String, options: DecodeOptions = DecodeOptions()) throws -> PixelImage {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe) } catch {
            throw CLIPError.input(
                file: path,
                reason: "cannot read: \((error as NSError).localizedFailureReason ?? error.localizedDescription)")
        }
        return try decode(data, name: path, options: options)
    }

    public static func decode(_ data: Data, name: String, options: DecodeOptions = DecodeOptions()) throws -> PixelImage
    {
        guard !data.isEmpty else { throw CLIPError.input(file: name, reason: "file is empty (0 bytes)") }
        return try data.withUnsafeBytes { bytes -> PixelImage in
            guard let format = detectFormat(bytes) else {
                throw CLIPError.input(
                    file: name, reason: "not a supported image (expected JPEG, PNG, WebP, GIF, HEIC or AVIF content)")
            }
            var image: PixelImage
            switch format {
            case .jpeg:
                image = try JPEGDecoder.decode(
                    bytes, name: name, maxPixels: options.maxPixels, scaledShortSide: options.jpegScaledShortSide)
            case .png: image = try PNGDecoder.decode(bytes, name: name, maxPixels: options.maxPixels)
            case .webp: image = try WebPDecoder.decode(bytes, name: name, maxPixels: options.maxPixels)
            case .gif: image = try GIFDecoder.decode(bytes, name: name, maxPixels: options.maxPixels)
            case .heif: image = try HEIFDecoder.decode(bytes, name: name, maxPixels: options.maxPixels)
            }
            if options.applyEXIFOrientation, let orientation = EXIFOrientation.find(in: bytes, format: format) {
                image = EXIFOrientation.apply(orientation, to: image)
            }
            return image
        }
    }

    static func checkSize(width: Int, height: Int, name: String, maxPixels: Int) throws {
        guard width > 0, height > 0 else {
            throw CLIPError.input(file: name, reason: "image has no pixels (\(width)x\(height))")
        }
        guard width * height <= maxPixels else {
            throw CLIPError.input(
                file: name,
                reason: "image is \(width)x\(height) = \(width * height) pixels, over the \(maxPixels)-pixel limit")
        }
    }
}
