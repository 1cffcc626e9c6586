import CPNG

/// PNG through libpng's simplified API (errors are returned, never `longjmp`ed past Swift frames).
enum PNGDecoder {
    // libpng's composite PNG_FORMAT_* macros do not import into Swift; these are their values.
    static let gray: UInt32 = 0, grayAlpha: UInt32 = 1, rgb: UInt32 = 2, rgba: UInt32 = 3

    static func decode(_ bytes: UnsafeRawBufferPointer, name: String, maxPixels: Int) throws -> PixelImage {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }
        guard png_image_begin_read_from_memory(&image, bytes.baseAddress, bytes.count) != 0 else {
            throw CLIPError.input(file: name, reason: "corrupt PNG: \(message(image))")
        }
        try ImageDecoder.checkSize(width: Int(image.width), height: Int(image.height), name: name, maxPixels: maxPixels)
        let source = image.format
        let hasAlpha = source & UInt32(PNG_FORMAT_FLAG_ALPHA) != 0
        let isColor = source & UInt32(PNG_FORMAT_FLAG_COLOR) != 0
        let isPalette = source & UInt32(PNG_FORMAT_FLAG_COLORMAP) != 0
        // Keep alpha when present: PIL's convert("RGB") drops it rather than compositing.
        let mode: PixelImage.Mode
        if isPalette {
            mode = .palette
            image.format = hasAlpha ? rgba : rgb
        } else if isColor {
            mode = hasAlpha ? .rgba : .rgb
            image.format = hasAlpha ? rgba : rgb
        } else {
            mode = hasAlpha ? .grayAlpha : .gray
            image.format = hasAlpha ? grayAlpha : gray
        }
        let decodedChannels = (isPalette && hasAlpha) ? 4 : mode.channels
        let count = Int(image.width) * Int(image.height) * decodedChannels
        var pixels: [UInt8]
        if source & UInt32(PNG_FORMAT_FLAG_LINEAR) != 0 {
            pixels = try read16Bit(&image, count: count, channels: decodedChannels, hasAlpha: hasAlpha, name: name)
        } else {
            pixels = [UInt8](repeating: 0, count: count)
            let ok = pixels.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
            guard ok != 0 else { throw CLIPError.input(file: name, reason: "corrupt or truncated PNG: \(message(image))") }
        }
        if decodedChannels == 4 && mode == .palette {
            // A palette with transparency: PIL's convert("RGB") ignores the transparency.
            var rgb = [UInt8](repeating: 0, count: Int(image.width) * Int(image.height) * 3)
            for i in 0..<(rgb.count / 3) { for c in 0..<3 { rgb[3 * i + c] = pixels[4 * i + c] } }
            pixels = rgb
        }
        return PixelImage(width: Int(image.width), height: Int(image.height), mode: mode, pixels: pixels)
    }

    /// 16-bit samples as PIL reads them: the high byte of each stored sample. Reading 16-bit data into an
    /// 8-bit buffer would make libpng gamma-encode it as if it were linear light (brighter than stored),
    /// so it is read as 16-bit "linear", which leaves a file's samples unconverted, and narrowed here.
    /// libpng premultiplies linear colour by alpha; that is undone first.
    private static func read16Bit(_ image: inout png_image, count: Int, channels: Int, hasAlpha: Bool, name: String) throws -> [UInt8] {
        image.format |= UInt32(PNG_FORMAT_FLAG_LINEAR)
        var wide = [UInt16](repeating: 0, count: count)
        let ok = wide.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
        guard ok != 0 else { throw CLIPError.input(file: name, reason: "corrupt or truncated PNG: \(message(image))") }
        var out = [UInt8](repeating: 0, count: count)
        for p in stride(from: 0, to: count, by: channels) {
            let alpha = hasAlpha ? UInt32(wide[p + channels - 1]) : 65535
            for c in 0..<channels {
                var v = UInt32(wide[p + c])
                if hasAlpha, c < channels - 1, alpha > 0, alpha < 65535 { v = min(65535, (v * 65535 + alpha / 2) / alpha) }
                out[p + c] = UInt8(v >> 8)
            }
        }
        return out
    }

    private static func message(_ image: png_image) -> String {
        var copy = image.message
        return withUnsafeBytes(of: &copy) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
