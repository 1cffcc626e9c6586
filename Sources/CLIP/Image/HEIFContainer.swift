/// What SwiftCLIP reads from a HEIF/AVIF container itself, because libheif 1.15 has no call for it:
/// how the colour planes are coded (`hvcC`, `av1C`) and the primary image's transformations (`clap`,
/// `irot`, `imir`, in `ipma` order). Read from `meta`; a malformed box ends the reading, never the decode.
struct HEIFContainer {
    enum Transform: Equatable {
        /// Clean aperture: width, height and the centre offset, in pixels.
        case crop(width: Double, height: Double, horizontalOffset: Double, verticalOffset: Double)
        /// Anticlockwise quarter turns.
        case rotate(quarterTurns: Int)
        /// `imir` axis as libheif 1.16+ (and so pillow-heif) reads and writes it: 0 flips top↕bottom,
        /// 1 flips left↔right.
        case mirror(axis: Int)
    }

    /// True when every colour (non-monochrome) image in the file is coded 4:2:0.
    private(set) var isYCbCr420 = false
    private(set) var transforms: [Transform] = []

    init(_ bytes: UnsafeRawBufferPointer) {
        let reader = BoxReader(bytes: bytes)
        guard let meta = reader.child("meta", of: 0..<bytes.count).map({ ($0.lowerBound + 4)..<$0.upperBound }),
            let iprp = reader.child("iprp", of: meta), let ipco = reader.child("ipco", of: iprp)
        else { return }
        let properties = reader.children(of: ipco)
        var layouts: [Int] = []  // 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4
        for (type, body) in properties {
            if type == "hvcC", body.count > 16 {
                layouts.append(Int(bytes[body.lowerBound + 16] & 3))  // chroma_format_idc
            } else if type == "av1C", body.count > 2 {
                let flags = bytes[body.lowerBound + 2]  // monochrome, subsampling_x, subsampling_y bits
                let mono = flags & 0x10 != 0, sx = flags & 0x08 != 0, sy = flags & 0x04 != 0
                layouts.append(mono ? 0 : (sx && sy ? 1 : (sx ? 2 : 3)))
            }
        }
        let colour = layouts.filter { $0 != 0 }
        isYCbCr420 = !colour.isEmpty && colour.allSatisfy { $0 == 1 }
        guard let primary = reader.primaryItem(in: meta), let ipma = reader.child("ipma", of: iprp) else { return }
        for index in reader.associations(of: primary, in: ipma) where index >= 1 && index <= properties.count {
            let (type, body) = properties[index - 1]
            switch type {
            case "clap" where body.count >= 32:
                let v = (0..<8).map { reader.u32(body.lowerBound + 4 * $0) }
                func fraction(_ n: UInt32, _ d: UInt32, signed: Bool) -> Double {
                    d == 0 ? 0 : (signed ? Double(Int32(bitPattern: n)) : Double(n)) / Double(d)
                }
                transforms.append(
                    .crop(
                        width: fraction(v[0], v[1], signed: false), height: fraction(v[2], v[3], signed: false),
                        horizontalOffset: fraction(v[4], v[5], signed: true),
                        verticalOffset: fraction(v[6], v[7], signed: true)))
            case "irot" where body.count >= 1: transforms.append(.rotate(quarterTurns: Int(bytes[body.lowerBound] & 3)))
            case "imir" where body.count >= 1: transforms.append(.mirror(axis: Int(bytes[body.lowerBound] & 1)))
            default: break
            }
        }
    }
}

/// ISO-BMFF box walking over a file's bytes, bounds-checked throughout.
private struct BoxReader {
    let bytes: UnsafeRawBufferPointer

    func u16(_ o: Int) -> Int {
        guard o >= 0, o + 2 <= bytes.count else { return 0 }
        return Int(bytes[o]) << 8 | Int(bytes[o + 1])
    }

    func u32(_ o: Int) -> UInt32 { UInt32(u16(o)) << 16 | UInt32(u16(o + 2)) }

    func child(_ type: String, of range: Range<Int>) -> Range<Int>? { children(of: range).first { $0.0 == type }?.1 }

    /// Boxes directly inside `range`: type and body; a malformed size ends the list.
    func children(of range: Range<Int>) -> [(String, Range<Int>)] {
        var found: [(String, Range<Int>)] = []
        var offset = range.lowerBound
        while offset + 8 <= range.upperBound {
            var size = Int(u32(offset)), header = 8
            if size == 1, offset + 16 <= range.upperBound {
                size = Int(u32(offset + 8)) << 32 | Int(u32(offset + 12))
                header = 16
            } else if size == 0 {
                size = range.upperBound - offset
            }
            guard size >= header, size <= range.upperBound - offset else { break }
            found.append(
                (
                    String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self),
                    (offset + header)..<(offset + size)
                ))
            offset += size
        }
        return found
    }

    /// `pitm`: the primary item's id.
    func primaryItem(in meta: Range<Int>) -> Int? {
        guard let pitm = child("pitm", of: meta), pitm.count >= 6 else { return nil }
        return bytes[pitm.lowerBound] == 0 ? u16(pitm.lowerBound + 4) : Int(u32(pitm.lowerBound + 4))
    }

    /// `ipma`: the 1-based `ipco` indices associated with `item`, in order.
    func associations(of item: Int, in ipma: Range<Int>) -> [Int] {
        guard ipma.count >= 8 else { return [] }
        let version = bytes[ipma.lowerBound], wideIndex = bytes[ipma.lowerBound + 3] & 1 != 0
        var o = ipma.lowerBound + 8
        for _ in 0..<Int(u32(ipma.lowerBound + 4)) {
            let id = version < 1 ? u16(o) : Int(u32(o))
            o += version < 1 ? 2 : 4
            guard o < ipma.upperBound else { return [] }
            let count = Int(bytes[o])
            o += 1
            var indices: [Int] = []
            for _ in 0..<count {
                guard o + (wideIndex ? 2 : 1) <= ipma.upperBound else { return [] }
                indices.append(wideIndex ? u16(o) & 0x7FFF : Int(bytes[o] & 0x7F))
                o += wideIndex ? 2 : 1
            }
            if id == item { return indices }
        }
        return []
    }
}

extension HEIFContainer.Transform {
    /// The size after this transform is applied to a `width`×`height` image.
    func size(after width: Int, _ height: Int) -> (Int, Int) {
        switch self {
        case let .crop(w, h, _, _): return (max(1, min(width, Int(w.rounded()))), max(1, min(height, Int(h.rounded()))))
        case let .rotate(turns): return turns % 2 == 1 ? (height, width) : (width, height)
        case .mirror: return (width, height)
        }
    }

    /// Applies the transform as libheif does (clean-aperture centre at offset + (size − 1)/2).
    func apply(to image: PixelImage) -> PixelImage {
        switch self {
        case let .crop(_, _, dx, dy):
            let (w, h) = size(after: image.width, image.height)
            let left = Int((dx + Double(image.width - 1) / 2 - Double(w - 1) / 2).rounded())
            let top = Int((dy + Double(image.height - 1) / 2 - Double(h - 1) / 2).rounded())
            return image.cropped(
                left: max(0, min(image.width - w, left)), top: max(0, min(image.height - h, top)), width: w, height: h)
        case let .rotate(turns):
            // EXIF orientation values that undo the same turns: 8 = 90° anticlockwise, 3 = 180°, 6 = 90° clockwise.
            return turns == 0 ? image : EXIFOrientation.apply([8, 3, 6][turns - 1], to: image)
        case let .mirror(axis):
            return EXIFOrientation.apply(axis == 0 ? 4 : 2, to: image)
        }
    }
}
