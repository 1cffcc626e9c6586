import CZlib

/// 16-bit PNGs decoded from the raw samples (inflate, unfilter, Adam7), keeping the high byte of each
/// sample as PIL does. libpng's simplified API cannot give these unchanged: it treats 16-bit data as
/// linear light and premultiplies colour by alpha, which loses the colour of transparent pixels that
/// PIL's `convert("RGB")` keeps.
enum PNG16BitDecoder {
    /// Adam7 passes: first column, first row, column step, row step.
    private static let adam7 = [
        (0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)
    ]

    static func decode(_ bytes: UnsafeRawBufferPointer, name: String, maxPixels: Int) throws -> PixelImage {
        let png = try PNGChunks(bytes, name: name, strict: true)
        let header = try png.header(name: name)
        try ImageDecoder.checkSize(width: header.width, height: header.height, name: name, maxPixels: maxPixels)
        let mode: PixelImage.Mode
        switch header.colorType {
        case 0: mode = .gray  // PIL opens this as I;16; SwiftCLIP keeps the high byte (README: deliberate deviation)
        case 2: mode = .rgb
        case 4: mode = .grayAlpha
        case 6: mode = .rgba
        default:
            throw CLIPError.input(
                file: name, reason: "corrupt PNG: colour type \(header.colorType) cannot have 16-bit samples")
        }
        let channels = mode.channels, (w, h) = (header.width, header.height)
        let passes = header.interlaced ? adam7 : [(0, 0, 1, 1)]
        let passSizes = passes.map { p in
            (w > p.0 ? (w - p.0 + p.2 - 1) / p.2 : 0, h > p.1 ? (h - p.1 + p.3 - 1) / p.3 : 0)
        }
        let rowBytes = passSizes.map { $0.0 * channels * 2 }
        let expected = zip(passSizes, rowBytes).reduce(0) { $0 + ($1.0.0 == 0 ? 0 : $1.0.1 * ($1.1 + 1)) }
        var raw = try inflate(png.chunks.filter { $0.type == "IDAT" }.map(\.data), count: expected, name: name)

        var pixels = [UInt8](repeating: 0, count: w * h * channels)
        var offset = 0
        for (p, pass) in passes.enumerated() {
            let (pw, ph) = passSizes[p]
            guard pw > 0, ph > 0 else { continue }
            try unfilter(&raw, at: offset, rows: ph, rowBytes: rowBytes[p], bytesPerPixel: channels * 2, name: name)
            for py in 0..<ph {
                let row = offset + py * (rowBytes[p] + 1) + 1
                let y = pass.1 + py * pass.3
                for px in 0..<pw {
                    let x = pass.0 + px * pass.2
                    for c in 0..<channels { pixels[(y * w + x) * channels + c] = raw[row + (px * channels + c) * 2] }
                }
            }
            offset += ph * (rowBytes[p] + 1)
        }
        return PixelImage(width: w, height: h, mode: mode, pixels: pixels)
    }

    /// Inflates the concatenated IDAT data into exactly `count` bytes.
    private static func inflate(_ parts: [UnsafeRawBufferPointer], count: Int, name: String) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var stream = z_stream()
        guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw CLIPError.input(file: name, reason: "cannot initialise zlib")
        }
        defer { inflateEnd(&stream) }
        var status = Z_OK
        try out.withUnsafeMutableBytes { dest in
            stream.next_out = dest.bindMemory(to: UInt8.self).baseAddress
            stream.avail_out = UInt32(count)
            for part in parts where status == Z_OK && stream.avail_out > 0 {
                stream.next_in = UnsafeMutablePointer(mutating: part.bindMemory(to: UInt8.self).baseAddress)
                stream.avail_in = UInt32(part.count)
                while stream.avail_in > 0 && stream.avail_out > 0 && status == Z_OK {
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                    let detail = stream.msg.map { String(cString: $0) } ?? "code \(status)"
                    throw CLIPError.input(file: name, reason: "corrupt PNG image data: \(detail)")
                }
                if status == Z_BUF_ERROR { status = Z_OK }
            }
        }
        guard stream.avail_out == 0 else {
            throw CLIPError.input(
                file: name, reason: "truncated PNG image data: \(count - Int(stream.avail_out)) of \(count) bytes")
        }
        return out
    }

    /// Reverses the per-row filters (none, sub, up, average, Paeth) in place.
    private static func unfilter(
        _ raw: inout [UInt8], at start: Int, rows: Int, rowBytes: Int, bytesPerPixel bpp: Int, name: String
    ) throws {
        try raw.withUnsafeMutableBufferPointer { buf in
            for r in 0..<rows {
                let filterAt = start + r * (rowBytes + 1), row = filterAt + 1, prior = row - rowBytes - 1
                let hasPrior = r > 0
                switch buf[filterAt] {
                case 0: break
                case 1: for i in bpp..<max(bpp, rowBytes) { buf[row + i] &+= buf[row + i - bpp] }
                case 2: if hasPrior { for i in 0..<rowBytes { buf[row + i] &+= buf[prior + i] } }
                case 3:
                    for i in 0..<rowBytes {
                        let left = i >= bpp ? Int(buf[row + i - bpp]) : 0, up = hasPrior ? Int(buf[prior + i]) : 0
                        buf[row + i] &+= UInt8((left + up) / 2)
                    }
                case 4:
                    for i in 0..<rowBytes {
                        let a = i >= bpp ? Int(buf[row + i - bpp]) : 0, b = hasPrior ? Int(buf[prior + i]) : 0
                        let c = (i >= bpp && hasPrior) ? Int(buf[prior + i - bpp]) : 0
                        let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                        buf[row + i] &+= UInt8(pa <= pb && pa <= pc ? a : (pb <= pc ? b : c))
                    }
                default:
                    throw CLIPError.input(
                        file: name, reason: "corrupt PNG image data: unknown row filter \(buf[filterAt])")
                }
            }
        }
    }
}
