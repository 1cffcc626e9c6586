import CPNG

/// 8-bit and lower PNGs through libpng's simplified API (errors are returned, never `longjmp`ed past
/// Swift frames); 16-bit ones through `PNG16BitDecoder`.
enum PNGDecoder {
    // libpng's composite PNG_FORMAT_* macros do not import into Swift; these are their values.
    static let gray: UInt32 = 0, grayAlpha: UInt32 = 1, rgb: UInt32 = 2, rgba: UInt32 = 3

    static func decode(_ bytes: UnsafeRawBufferPointer, name: String, maxPixels: Int) throws -> PixelImage {
        let stored = PNGChunks.format(bytes)
        if stored?.bitDepth == 16 { return try PNG16BitDecoder.decode(bytes, name: name, maxPixels: maxPixels) }
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
        // Gray or RGB with a tRNS colour key: libpng adds an alpha channel, PIL keeps mode L/RGB (and so
        // resizes without premultiplying). The alpha libpng adds is dropped again below.
        let keyedTransparency = hasAlpha && !isPalette && (stored?.colorType == 0 || stored?.colorType == 2)
        // PIL opens 1-bit gray as mode "1", which it resizes with nearest-neighbour like a palette image.
        let bilevel = stored?.bitDepth == 1 && stored?.colorType == 0
        // Keep alpha when present: PIL's convert("RGB") drops it rather than compositing.
        let mode: PixelImage.Mode
        if bilevel {
            mode = .palette
            image.format = hasAlpha ? rgba : rgb
        } else if keyedTransparency {
            mode = isColor ? .rgb : .gray
            image.format = isColor ? rgba : grayAlpha
        } else if isPalette {
            mode = .palette
            image.format = hasAlpha ? rgba : rgb
        } else if isColor {
            mode = hasAlpha ? .rgba : .rgb
            image.format = hasAlpha ? rgba : rgb
        } else {
            mode = hasAlpha ? .grayAlpha : .gray
            image.format = hasAlpha ? grayAlpha : gray
        }
        let decodedChannels = Int(image.format & 3) + 1  // PNG_IMAGE_SAMPLE_CHANNELS for the formats above
        let count = Int(image.width) * Int(image.height) * decodedChannels
        var pixels = [UInt8](repeating: 0, count: count)
        let ok = pixels.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
        guard ok != 0 else { throw CLIPError.input(file: name, reason: "corrupt or truncated PNG: \(message(image))") }
        var transparency: [UInt8]?
        if decodedChannels > mode.channels {
            // Transparency PIL keeps beside the pixels (palette or colour key): kept aside, as PIL does.
            transparency = stride(from: decodedChannels - 1, to: pixels.count, by: decodedChannels).map { pixels[$0] }
            pixels = dropLastChannel(pixels, channels: decodedChannels)
        }
        return PixelImage(
            width: Int(image.width), height: Int(image.height), mode: mode, pixels: pixels, transparency: transparency)
    }

    private static func dropLastChannel(_ pixels: [UInt8], channels: Int) -> [UInt8] {
        let kept = channels - 1
        var out = [UInt8](repeating: 0, count: pixels.count / channels * kept)
        for i in 0..<(pixels.count / channels) { for c in 0..<kept { out[kept * i + c] = pixels[channels * i + c] } }
        return out
    }

    private static func message(_ image: png_image) -> String {
        var copy = image.message
        return withUnsafeBytes(of: &copy) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
