import CTurboJPEG

/// JPEG through the TurboJPEG API, which reports errors instead of calling `exit()` as plain libjpeg does.
/// Decoding uses libjpeg's accurate integer IDCT and fancy upsampling, as Pillow does.
enum JPEGDecoder {
    static func decode(_ bytes: UnsafeRawBufferPointer, name: String, maxPixels: Int, scaledShortSide: Int? = nil)
        throws -> PixelImage
    {
        guard let handle = tjInitDecompress() else {
            throw CLIPError.input(file: name, reason: "cannot initialise the JPEG decoder")
        }
        defer { tjDestroy(handle) }
        let buffer = bytes.bindMemory(to: UInt8.self).baseAddress!
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        guard tjDecompressHeader3(handle, buffer, UInt(bytes.count), &width, &height, &subsampling, &colorspace) == 0
        else {
            throw CLIPError.input(file: name, reason: "corrupt JPEG header: \(message(handle))")
        }
        try ImageDecoder.checkSize(width: Int(width), height: Int(height), name: name, maxPixels: maxPixels)
        if let scaledShortSide {
            (width, height) = dctScaledSize(width: width, height: height, minShortSide: scaledShortSide)
        }
        let mode: PixelImage.Mode
        let format: TJPF
        switch Int(colorspace) {
        case Int(TJCS_GRAY.rawValue):
            mode = .gray
            format = TJPF_GRAY
        case Int(TJCS_CMYK.rawValue), Int(TJCS_YCCK.rawValue):
            mode = .cmyk
            format = TJPF_CMYK
        default:
            mode = .rgb
            format = TJPF_RGB
        }
        var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * mode.channels)
        let status = pixels.withUnsafeMutableBufferPointer {
            tjDecompress2(
                handle, buffer, UInt(bytes.count), $0.baseAddress, width, 0, height, Int32(format.rawValue),
                TJFLAG_ACCURATEDCT)
        }
        if status != 0 {
            // Warnings (e.g. extraneous bytes) still give a full image, as in Pillow; a premature end does not.
            let text = message(handle)
            if tjGetErrorCode(handle) != TJERR_WARNING.rawValue
                || text.localizedCaseInsensitiveContains("premature end")
            {
                throw CLIPError.input(file: name, reason: "corrupt or truncated JPEG: \(text)")
            }
        }
        if mode == .cmyk {
            // PIL reads CMYK JPEGs with Adobe's inverted convention ("CMYK;I"), as Photoshop writes them.
            for i in pixels.indices { pixels[i] = 255 - pixels[i] }
        }
        return PixelImage(width: Int(width), height: Int(height), mode: mode, pixels: pixels)
    }

    /// The smallest size TurboJPEG can decode to directly (a scaling factor applied inside the IDCT) whose
    /// short side is at least `minShortSide`; the full size when no factor below 1 qualifies.
    static func dctScaledSize(width: Int32, height: Int32, minShortSide: Int) -> (Int32, Int32) {
        var count: Int32 = 0
        guard let factors = tjGetScalingFactors(&count) else { return (width, height) }
        var best = (width, height)
        for i in 0..<Int(count) {
            let f = factors[i]
            guard f.num < f.denom else { continue }
            // TJSCALED: ceil(dimension · num / denom).
            let w = (width * f.num + f.denom - 1) / f.denom, h = (height * f.num + f.denom - 1) / f.denom
            if min(w, h) >= Int32(minShortSide), Int(w) * Int(h) < Int(best.0) * Int(best.1) { best = (w, h) }
        }
        return best
    }

    private static func message(_ handle: tjhandle) -> String {
        guard let text = tjGetErrorStr2(handle) else { return "unknown error" }
        return String(cString: text)
    }
}
