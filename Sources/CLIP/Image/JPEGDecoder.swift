import CTurboJPEG

/// JPEG through the TurboJPEG API, which reports errors instead of calling `exit()` as plain libjpeg does.
/// Decoding uses libjpeg's accurate integer IDCT and fancy upsampling, as Pillow does.
enum JPEGDecoder {
    static func decode(_ bytes: UnsafeRawBufferPointer, name: String, maxPixels: Int) throws -> PixelImage {
        guard let handle = tjInitDecompress() else { throw CLIPError.input(file: name, reason: "cannot initialise the JPEG decoder") }
        defer { tjDestroy(handle) }
        let buffer = bytes.bindMemory(to: UInt8.self).baseAddress!
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        guard tjDecompressHeader3(handle, buffer, UInt(bytes.count), &width, &height, &subsampling, &colorspace) == 0 else {
            throw CLIPError.input(file: name, reason: "corrupt JPEG header: \(message(handle))")
        }
        try ImageDecoder.checkSize(width: Int(width), height: Int(height), name: name, maxPixels: maxPixels)
        let mode: PixelImage.Mode
        let format: TJPF
        switch Int(colorspace) {
        case Int(TJCS_GRAY.rawValue): mode = .gray; format = TJPF_GRAY
        case Int(TJCS_CMYK.rawValue), Int(TJCS_YCCK.rawValue): mode = .cmyk; format = TJPF_CMYK
        default: mode = .rgb; format = TJPF_RGB
        }
        var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * mode.channels)
        let status = pixels.withUnsafeMutableBufferPointer {
            tjDecompress2(handle, buffer, UInt(bytes.count), $0.baseAddress, width, 0, height, Int32(format.rawValue), TJFLAG_ACCURATEDCT)
        }
        if status != 0 {
            // Warnings (e.g. extraneous bytes) still give a full image, as in Pillow; a premature end does not.
            let text = message(handle)
            if tjGetErrorCode(handle) != TJERR_WARNING.rawValue || text.localizedCaseInsensitiveContains("premature end") {
                throw CLIPError.input(file: name, reason: "corrupt or truncated JPEG: \(text)")
            }
        }
        if mode == .cmyk {
            // PIL reads CMYK JPEGs with Adobe's inverted convention ("CMYK;I"), as Photoshop writes them.
            for i in pixels.indices { pixels[i] = 255 - pixels[i] }
        }
        return PixelImage(width: Int(width), height: Int(height), mode: mode, pixels: pixels)
    }

    private static func message(_ handle: tjhandle) -> String {
        guard let text = tjGetErrorStr2(handle) else { return "unknown error" }
        return String(cString: text)
    }
}
