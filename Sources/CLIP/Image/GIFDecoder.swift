import CGIF

/// The first frame of a GIF through giflib, as PIL opens it: on the logical screen, as a palette image
/// (`P`, resized nearest-neighbour), or as grayscale (`L`) when the palette is the identity gray ramp.
/// Records are read only up to the first image, so long animations cost no more than their first frame.
enum GIFDecoder {
    private struct Source {
        let base: UnsafePointer<UInt8>
        let count: Int
        var offset = 0
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, name: String, maxPixels: Int) throws -> PixelImage {
        var source = Source(base: bytes.bindMemory(to: UInt8.self).baseAddress!, count: bytes.count)
        return try withUnsafeMutablePointer(to: &source) { sourcePointer in
            var error: Int32 = 0
            guard
                let gif = DGifOpen(
                    sourcePointer,
                    { file, buffer, length in
                        guard let file, let buffer, let user = file.pointee.UserData else { return 0 }
                        let src = user.assumingMemoryBound(to: Source.self)
                        let n = max(0, min(Int(length), src.pointee.count - src.pointee.offset))
                        buffer.update(from: src.pointee.base + src.pointee.offset, count: n)
                        src.pointee.offset += n
                        return Int32(n)
                    }, &error)
            else {
                throw CLIPError.input(file: name, reason: "corrupt GIF: \(describe(error))")
            }
            defer { DGifCloseFile(gif, &error) }
            let (screenW, screenH) = (Int(gif.pointee.SWidth), Int(gif.pointee.SHeight))
            try ImageDecoder.checkSize(width: screenW, height: screenH, name: name, maxPixels: maxPixels)
            var transparent: Int?
            var recordType = UNDEFINED_RECORD_TYPE
            while true {
                guard DGifGetRecordType(gif, &recordType) == GIF_OK else {
                    throw CLIPError.input(
                        file: name, reason: "corrupt or truncated GIF: \(describe(gif.pointee.Error))")
                }
                switch recordType {
                case EXTENSION_RECORD_TYPE:
                    var code: Int32 = 0
                    var block: UnsafeMutablePointer<GifByteType>?
                    guard DGifGetExtension(gif, &code, &block) == GIF_OK else {
                        throw CLIPError.input(file: name, reason: "corrupt GIF extension")
                    }
                    // Graphic control extension: byte 1 bit 0 = has transparency, byte 4 = its index.
                    if code == GRAPHICS_EXT_FUNC_CODE, let b = block, b[0] >= 4, b[1] & 1 != 0 {
                        transparent = Int(b[4])
                    }
                    while block != nil {
                        guard DGifGetExtensionNext(gif, &block) == GIF_OK else {
                            throw CLIPError.input(file: name, reason: "corrupt GIF extension")
                        }
                    }
                case IMAGE_DESC_RECORD_TYPE:
                    return try readFirstImage(
                        gif, screenW: screenW, screenH: screenH, transparent: transparent, name: name)
                case TERMINATE_RECORD_TYPE:
                    throw CLIPError.input(file: name, reason: "GIF has no image")
                default:
                    continue
                }
            }
        }
    }

    private static func readFirstImage(
        _ gif: UnsafeMutablePointer<GifFileType>, screenW: Int, screenH: Int, transparent: Int?, name: String
    ) throws -> PixelImage {
        guard DGifGetImageDesc(gif) == GIF_OK else {
            throw CLIPError.input(file: name, reason: "corrupt GIF image descriptor")
        }
        let desc = gif.pointee.Image
        let (left, top, w, h) = (Int(desc.Left), Int(desc.Top), Int(desc.Width), Int(desc.Height))
        guard w > 0, h > 0 else { throw CLIPError.input(file: name, reason: "GIF frame has no pixels") }
        var frame = [UInt8](repeating: 0, count: w * h)
        // Interlaced rows arrive in four passes.
        let rowOrder: [Int] =
            desc.Interlace
            ? [(0, 8), (4, 8), (2, 4), (1, 2)].flatMap { stride(from: $0.0, to: h, by: $0.1) }
            : Array(0..<h)
        for row in rowOrder {
            let ok = frame.withUnsafeMutableBufferPointer { DGifGetLine(gif, $0.baseAddress! + row * w, Int32(w)) }
            guard ok == GIF_OK else {
                throw CLIPError.input(file: name, reason: "corrupt or truncated GIF: \(describe(gif.pointee.Error))")
            }
        }
        // The first frame sits on the logical screen, which PIL fills with the transparent or background index.
        let fill = UInt8(truncatingIfNeeded: transparent ?? Int(gif.pointee.SBackGroundColor))
        var indices = [UInt8](repeating: fill, count: screenW * screenH)
        for y in 0..<h where top + y < screenH {
            for x in 0..<w where left + x < screenW { indices[(top + y) * screenW + left + x] = frame[y * w + x] }
        }
        // PIL keeps the transparent index as info["transparency"] (transformers composites it onto white).
        let transparency = transparent.map { t in indices.map { Int($0) == t ? UInt8(0) : 255 } }
        guard let map = desc.ColorMap ?? gif.pointee.SColorMap, let colors = map.pointee.Colors else {
            return PixelImage(width: screenW, height: screenH, mode: .gray, pixels: indices, transparency: transparency)
        }
        let count = Int(map.pointee.ColorCount)
        let palette = (0..<count).map { colors[$0] }
        if palette.enumerated().allSatisfy({ Int($1.Red) == $0 && Int($1.Green) == $0 && Int($1.Blue) == $0 }) {
            return PixelImage(width: screenW, height: screenH, mode: .gray, pixels: indices, transparency: transparency)
        }
        var rgb = [UInt8](repeating: 0, count: screenW * screenH * 3)
        for (i, index) in indices.enumerated() where Int(index) < count {
            let c = palette[Int(index)]
            rgb[3 * i] = c.Red
            rgb[3 * i + 1] = c.Green
            rgb[3 * i + 2] = c.Blue
        }
        return PixelImage(width: screenW, height: screenH, mode: .palette, pixels: rgb, transparency: transparency)
    }

    private static func describe(_ code: Int32) -> String {
        GifErrorString(code).map { String(cString: $0) } ?? "giflib error \(code)"
    }
}
