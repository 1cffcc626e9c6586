import CWebP

/// WebP through libwebp: still images directly, animated ones through the demuxer's animation decoder,
/// keeping the first frame (as PIL's `Image.open` shows it).
enum WebPDecoder {
    static func decode(_ bytes: UnsafeRawBufferPointer, name: String, maxPixels: Int) throws -> PixelImage {
        let data = bytes.bindMemory(to: UInt8.self).baseAddress!
        var features = WebPBitstreamFeatures()
        guard WebPGetFeaturesInternal(data, bytes.count, &features, WEBP_DECODER_ABI_VERSION) == VP8_STATUS_OK else {
            throw CLIPError.input(file: name, reason: "corrupt WebP header")
        }
        try ImageDecoder.checkSize(
            width: Int(features.width), height: Int(features.height), name: name, maxPixels: maxPixels)
        if features.has_animation != 0 { return try firstFrame(bytes, name: name) }
        let (w, h) = (Int(features.width), Int(features.height))
        let mode: PixelImage.Mode = features.has_alpha != 0 ? .rgba : .rgb
        var pixels = [UInt8](repeating: 0, count: w * h * mode.channels)
        let ok = pixels.withUnsafeMutableBufferPointer { out -> Bool in
            mode == .rgba
                ? WebPDecodeRGBAInto(data, bytes.count, out.baseAddress, out.count, Int32(w * 4)) != nil
                : WebPDecodeRGBInto(data, bytes.count, out.baseAddress, out.count, Int32(w * 3)) != nil
        }
        guard ok else { throw CLIPError.input(file: name, reason: "corrupt or truncated WebP") }
        return PixelImage(width: w, height: h, mode: mode, pixels: pixels)
    }

    private static func firstFrame(_ bytes: UnsafeRawBufferPointer, name: String) throws -> PixelImage {
        var webpData = WebPData(bytes: bytes.bindMemory(to: UInt8.self).baseAddress, size: bytes.count)
        var options = WebPAnimDecoderOptions()
        guard WebPAnimDecoderOptionsInitInternal(&options, WEBP_DEMUX_ABI_VERSION) != 0 else {
            throw CLIPError.input(file: name, reason: "cannot initialise the WebP animation decoder")
        }
        options.color_mode = MODE_RGBA
        guard let decoder = WebPAnimDecoderNewInternal(&webpData, &options, WEBP_DEMUX_ABI_VERSION) else {
            throw CLIPError.input(file: name, reason: "corrupt animated WebP")
        }
        defer { WebPAnimDecoderDelete(decoder) }
        var info = WebPAnimInfo()
        guard WebPAnimDecoderGetInfo(decoder, &info) != 0 else {
            throw CLIPError.input(file: name, reason: "corrupt animated WebP")
        }
        var frame: UnsafeMutablePointer<UInt8>?
        var timestamp: Int32 = 0
        guard WebPAnimDecoderGetNext(decoder, &frame, &timestamp) != 0, let frame else {
            throw CLIPError.input(file: name, reason: "animated WebP has no decodable frame")
        }
        let (w, h) = (Int(info.canvas_width), Int(info.canvas_height))
        return PixelImage(
            width: w, height: h, mode: .rgba, pixels: Array(UnsafeBufferPointer(start: frame, count: w * h * 4)))
    }
}
