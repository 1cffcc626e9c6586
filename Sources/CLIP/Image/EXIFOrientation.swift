/// EXIF orientation (tag 0x0112): how a camera says its pixels must be turned to be seen upright.
enum EXIFOrientation {
    /// The orientation a file asks for. HEIF is absent: libheif already applies the container's rotation
    /// and mirroring, which is where HEIF keeps it. GIF has no EXIF.
    static func find(in bytes: UnsafeRawBufferPointer, format: ImageDecoder.Format) -> Int? {
        switch format {
        case .jpeg: return fromJPEG(bytes)
        case .png: return fromPNG(bytes)
        case .webp: return fromWebP(bytes)
        case .gif, .heif: return nil
        }
    }

    /// The orientation value (1–8) from a JPEG's APP1 Exif segment, or nil.
    static func fromJPEG(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var i = 2
        while i + 4 <= bytes.count, bytes[i] == 0xFF {
            let marker = bytes[i + 1]
            if marker == 0xDA || marker == 0xD9 { return nil }  // image data begins: no more metadata
            let length = Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
            guard length >= 2, i + 2 + length <= bytes.count else { return nil }
            if marker == 0xE1, length >= 8,
                bytes[i + 4] == 0x45, bytes[i + 5] == 0x78, bytes[i + 6] == 0x69, bytes[i + 7] == 0x66
            {
                return fromTIFF(UnsafeRawBufferPointer(rebasing: bytes[(i + 10)..<(i + 2 + length)]))
            }
            i += 2 + length
        }
        return nil
    }

    /// The orientation from a PNG's `eXIf` chunk (wherever it is in the file), or nil.
    static func fromPNG(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard let chunks = try? PNGChunks(bytes, name: "", strict: false), let exif = chunks.first("eXIf") else {
            return nil
        }
        return fromTIFF(exif.data)
    }

    /// The orientation from a WebP's RIFF `EXIF` chunk, or nil.
    static func fromWebP(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var offset = 12
        while offset + 8 <= bytes.count {
            let size =
                Int(bytes[offset + 4]) | Int(bytes[offset + 5]) << 8 | Int(bytes[offset + 6]) << 16 | Int(
                    bytes[offset + 7]) << 24
            guard size <= bytes.count - offset - 8 else { return nil }
            if Array(bytes[offset..<(offset + 4)]) == Array("EXIF".utf8) {
                return fromTIFF(UnsafeRawBufferPointer(rebasing: bytes[(offset + 8)..<(offset + 8 + size)]))
            }
            offset += 8 + size + (size & 1)  // chunks are padded to even sizes
        }
        return nil
    }

    /// Reads IFD0's orientation from a TIFF structure (optionally behind an `Exif\0\0` header, which some
    /// writers put in PNG and WebP too); every offset is bounds-checked.
    static func fromTIFF(_ payload: UnsafeRawBufferPointer) -> Int? {
        let exifHeader: [UInt8] = [0x45, 0x78, 0x69, 0x66, 0, 0]
        let t = payload.starts(with: exifHeader) ? UnsafeRawBufferPointer(rebasing: payload[6...]) : payload
        guard t.count >= 8 else { return nil }
        let little: Bool
        switch (t[0], t[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ o: Int) -> Int? {
            guard o >= 0, o + 2 <= t.count else { return nil }
            return little ? Int(t[o]) | Int(t[o + 1]) << 8 : Int(t[o]) << 8 | Int(t[o + 1])
        }
        func u32(_ o: Int) -> Int? {
            guard let a = u16(o), let b = u16(o + 2) else { return nil }
            return little ? a | b << 16 : a << 16 | b
        }
        guard let ifd = u32(4), let count = u16(ifd) else { return nil }
        for e in 0..<count {
            let entry = ifd + 2 + e * 12
            guard let tag = u16(entry) else { return nil }
            if tag == 0x0112, let type = u16(entry + 2), type == 3, let value = u16(entry + 8), (1...8).contains(value)
            {
                return value
            }
        }
        return nil
    }

    /// Applies orientation `value` as PIL's `ImageOps.exif_transpose` does.
    static func apply(_ value: Int, to image: PixelImage) -> PixelImage {
        let (w, h, c) = (image.width, image.height, image.mode.channels)
        // For each output pixel, the source pixel it comes from.
        let transposed = value >= 5
        let outW = transposed ? h : w, outH = transposed ? w : h
        if value <= 1 { return image }
        var out = [UInt8](repeating: 0, count: image.pixels.count)
        for y in 0..<outH {
            for x in 0..<outW {
                let (sx, sy): (Int, Int)
                switch value {
                case 2: (sx, sy) = (w - 1 - x, y)  // mirror horizontal
                case 3: (sx, sy) = (w - 1 - x, h - 1 - y)  // rotate 180
                case 4: (sx, sy) = (x, h - 1 - y)  // mirror vertical
                case 5: (sx, sy) = (y, x)  // transpose
                case 6: (sx, sy) = (y, h - 1 - x)  // rotate 90° clockwise
                case 7: (sx, sy) = (w - 1 - y, h - 1 - x)  // transverse
                default: (sx, sy) = (w - 1 - y, x)  // 8: rotate 90° counter-clockwise
                }
                for ch in 0..<c { out[(y * outW + x) * c + ch] = image.pixels[(sy * w + sx) * c + ch] }
            }
        }
        // The transparency PIL keeps beside the pixels turns with them.
        let transparency = image.transparency.map {
            apply(value, to: PixelImage(width: w, height: h, mode: .gray, pixels: $0)).pixels
        }
        return PixelImage(width: outW, height: outH, mode: image.mode, pixels: out, transparency: transparency)
    }
}
