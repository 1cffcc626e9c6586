import CPNG
import Foundation

/// Writes 8-bit RGB / RGBA / gray images as PNG through libpng's simplified API.
public enum PNGEncoder {
    public static func encode(_ image: PixelImage) throws -> Data {
        var png = png_image()
        png.version = UInt32(PNG_IMAGE_VERSION)
        png.width = UInt32(image.width)
        png.height = UInt32(image.height)
        switch image.mode {
        // The composite PNG_FORMAT_* macros do not import into Swift; these are their flag sums.
        case .rgb: png.format = UInt32(PNG_FORMAT_FLAG_COLOR)
        case .rgba: png.format = UInt32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA)
        case .gray: png.format = 0
        default: throw CLIPError.invalidArgument("PNG encoding supports RGB, RGBA and gray images, not \(image.mode)")
        }
        let stride = Int32(image.width * image.mode.channels)
        var size = 0
        let ok = image.pixels.withUnsafeBytes { raw -> Bool in
            // First call measures, second writes (libpng's documented two-pass use).
            guard png_image_write_to_memory(&png, nil, &size, 0, raw.baseAddress, stride, nil) != 0 else {
                return false
            }
            return true
        }
        guard ok else { throw CLIPError.invalidArgument("PNG encoding failed: \(message(png))") }
        var data = Data(count: size)
        let written = data.withUnsafeMutableBytes { out in
            image.pixels.withUnsafeBytes { raw in
                png_image_write_to_memory(&png, out.baseAddress, &size, 0, raw.baseAddress, stride, nil) != 0
            }
        }
        png_image_free(&png)
        guard written else { throw CLIPError.invalidArgument("PNG encoding failed: \(message(png))") }
        return data.prefix(size)
    }

    public static func write(_ image: PixelImage, to url: URL) throws {
        try FileOutput.write(try encode(image), to: url, what: "PNG")
    }

    private static func message(_ image: png_image) -> String {
        withUnsafeBytes(of: image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}
