import Foundation

/// Pillow's resampling (libImaging/Resample.c) reproduced bit for bit on 8-bit images: separable
/// filters whose support widens when downscaling (antialiasing), coefficients normalised in double then
/// quantised to 22-bit fixed point, horizontal pass first, and an 8-bit rounded intermediate.
enum Resample {
    static let precisionBits = 32 - 8 - 2
    /// How far into an axis `nearest` reproduces Pillow's running sum (see there).
    static let exactPositionLimit = 1 << 22

    enum Filter {
        case bicubic

        var support: Double { 2.0 }

        func callAsFunction(_ value: Double) -> Double {
            let a = -0.5, x = abs(value)
            if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
            if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
            return 0
        }
    }

    struct Coefficients {
        let ksize: Int
        let bounds: [(start: Int, count: Int)]
        let weights: [Int32]  // [outSize × ksize]

        /// The input positions these outputs read.
        var inputSpan: Range<Int> {
            guard let first = bounds.map(\.start).min(), let end = bounds.map({ $0.start + $0.count }).max() else {
                return 0..<0
            }
            return first..<end
        }

        /// The same coefficients over an input that starts `offset` positions later.
        func shifted(by offset: Int) -> Coefficients {
            Coefficients(ksize: ksize, bounds: bounds.map { ($0.start - offset, $0.count) }, weights: weights)
        }
    }

    /// The coefficients of the output positions `outputs` (all of `0..<outSize` when nil), indexed from 0.
    /// Each output position's coefficients depend on its own centre alone, so a window gives exactly the
    /// values of the full table's rows; the table costs `outputs.count × ksize`, not `outSize × ksize`.
    static func coefficients(inSize: Int, outSize: Int, filter: Filter, outputs: Range<Int>? = nil) -> Coefficients {
        let outputs = outputs ?? 0..<outSize
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1.0)
        let support = filter.support * filterScale
        let ksize = Int(support.rounded(.up)) * 2 + 1
        var bounds: [(Int, Int)] = []
        bounds.reserveCapacity(outputs.count)
        var weights = [Int32](repeating: 0, count: outputs.count * ksize)
        var k = [Double](repeating: 0, count: ksize)
        let one = Double(1 << precisionBits)
        for (row, xx) in outputs.enumerated() {
            let center = (Double(xx) + 0.5) * scale
            let ss = 1.0 / filterScale
            let xmin = max(Int(center - support + 0.5), 0)
            let xmax = min(Int(center + support + 0.5), inSize) - xmin
            var ww = 0.0
            for x in 0..<xmax {
                let w = filter((Double(x + xmin) - center + 0.5) * ss)
                k[x] = w
                ww += w
            }
            for x in 0..<xmax {
                let v = ww != 0 ? k[x] / ww : k[x]
                // Round half away from zero, then truncate: Pillow's normalize_coeffs_8bpc.
                weights[row * ksize + x] = Int32(
                    v < 0 ? (-0.5 + v * one).rounded(.towardZero) : (0.5 + v * one).rounded(.towardZero))
            }
            bounds.append((xmin, xmax))
        }
        return Coefficients(ksize: ksize, bounds: bounds, weights: weights)
    }

    @inline(__always)
    static func clip8(_ value: Int32) -> UInt8 {
        let shifted = value >> Int32(precisionBits)
        return shifted < 0 ? 0 : (shifted > 255 ? 255 : UInt8(shifted))
    }

    /// Resizes with `filter` (8-bit, channels interleaved). An axis whose size does not change is not filtered.
    ///
    /// Pass order matters because the intermediate image is rounded to 8 bits. Pillow 13 runs the vertical
    /// pass first when the height shrinks by more than twice as many pixels as the width does, otherwise
    /// horizontal first (rule measured against Pillow 13.0: 250 of 250 random shapes, ties horizontal).
    ///
    /// `window` limits the work to the output pixels a crop keeps (`Window.clamped`): the result is that
    /// window of the full resize, pixel for pixel, at a cost that follows the window and the input, never the
    /// full output. A 1,000,000 × 1 strip resized to 224 high would otherwise be 224,000,000 × 224 pixels.
    static func resize(_ image: PixelImage, width outW: Int, height outH: Int, filter: Filter, window: Window? = nil)
        -> PixelImage
    {
        let (w, h) = (image.width, image.height)
        let window = window ?? Window(columns: 0..<outW, rows: 0..<outH)
        let verticalFirst = outH < h && (h - outH) > 2 * (w - outW)
        var across = outW != w ? coefficients(inSize: w, outSize: outW, filter: filter, outputs: window.columns) : nil
        var down = outH != h ? coefficients(inSize: h, outSize: outH, filter: filter, outputs: window.rows) : nil
        // Only the input the window's filters read takes part: a 1 × 1,000,000 strip's horizontal pass would
        // otherwise widen every one of its rows to 224 before the vertical pass kept a few hundred of them.
        // That input is copied out only where it is less than half the image: for a photo the passes read
        // most of it anyway, and the copy (27 MB for 12 MP) cost more than it saved.
        let columns = across?.inputSpan ?? window.columns, rows = down?.inputSpan ?? window.rows
        var current = image
        if 2 * columns.count * rows.count < w * h || (across == nil && columns != 0..<w)
            || (down == nil && rows != 0..<h)
        {
            current = image.cropped(
                left: columns.lowerBound, top: rows.lowerBound, width: columns.count, height: rows.count)
            across = across?.shifted(by: columns.lowerBound)
            down = down?.shifted(by: rows.lowerBound)
        }
        if verticalFirst, let down { current = vertical(current, outHeight: window.rows.count, down) }
        if let across { current = horizontal(current, outWidth: window.columns.count, across) }
        if !verticalFirst, let down { current = vertical(current, outHeight: window.rows.count, down) }
        return current
    }

    /// The output pixels to compute: columns × rows of the full output.
    struct Window: Equatable {
        let columns: Range<Int>
        let rows: Range<Int>

        /// The part of a `size`-square crop at (`left`, `top`) that lies inside a `width × height` output
        /// (a crop may reach past the edge, which PIL fills with black): possibly empty.
        static func clamped(left: Int, top: Int, size: Int, width: Int, height: Int) -> Window {
            func clamp(_ start: Int, _ extent: Int) -> Range<Int> {
                let lower = min(max(0, start), extent)
                return lower..<max(lower, min(extent, start + size))
            }
            return Window(columns: clamp(left, width), rows: clamp(top, height))
        }
    }

    private static func horizontal(_ image: PixelImage, outWidth: Int, _ co: Coefficients) -> PixelImage {
        let c = image.mode.channels, inW = image.width, h = image.height
        var out = [UInt8](repeating: 0, count: outWidth * h * c)
        image.pixels.withUnsafeBufferPointer { src in
            co.weights.withUnsafeBufferPointer { kk in
                out.withUnsafeMutableBufferPointer { dst in
                    let s = src.baseAddress!, k = kk.baseAddress!, d = dst.baseAddress!
                    // A literal channel count per call lets each pixel's channels accumulate in registers.
                    switch c {
                    case 1: horizontalRows(channels: 1, s, inW, h, d, outWidth, co, k)
                    case 2: horizontalRows(channels: 2, s, inW, h, d, outWidth, co, k)
                    case 3: horizontalRows(channels: 3, s, inW, h, d, outWidth, co, k)
                    default: horizontalRows(channels: 4, s, inW, h, d, outWidth, co, k)
                    }
                }
            }
        }
        return PixelImage(width: outWidth, height: h, mode: image.mode, pixels: out)
    }

    @inline(__always)
    private static func horizontalRows(
        channels c: Int, _ src: UnsafePointer<UInt8>, _ inW: Int, _ h: Int,
        _ dst: UnsafeMutablePointer<UInt8>, _ outWidth: Int, _ co: Coefficients, _ kk: UnsafePointer<Int32>
    ) {
        let half = Int32(1 << (precisionBits - 1))
        for y in 0..<h {
            let row = src + y * inW * c
            for xx in 0..<outWidth {
                let (xmin, count) = co.bounds[xx]
                let k = kk + xx * co.ksize
                var s0 = half, s1 = half, s2 = half, s3 = half
                var p = row + xmin * c
                for x in 0..<count {
                    let w = k[x]
                    s0 &+= Int32(p[0]) &* w
                    if c > 1 { s1 &+= Int32(p[1]) &* w }
                    if c > 2 { s2 &+= Int32(p[2]) &* w }
                    if c > 3 { s3 &+= Int32(p[3]) &* w }
                    p += c
                }
                let o = dst + (y * outWidth + xx) * c
                o[0] = clip8(s0)
                if c > 1 { o[1] = clip8(s1) }
                if c > 2 { o[2] = clip8(s2) }
                if c > 3 { o[3] = clip8(s3) }
            }
        }
    }

    private static func vertical(_ image: PixelImage, outHeight: Int, _ co: Coefficients) -> PixelImage {
        let c = image.mode.channels, w = image.width
        let stride = w * c
        var out = [UInt8](repeating: 0, count: w * outHeight * c)
        let half = Int32(1 << (precisionBits - 1))
        image.pixels.withUnsafeBufferPointer { src in
            co.weights.withUnsafeBufferPointer { kk in
                out.withUnsafeMutableBufferPointer { dst in
                    // Row by row into a row of sums, so the inner loop runs along contiguous memory and
                    // vectorises; integer sums in another order are the same sums (bit-exact with Pillow).
                    let sums = UnsafeMutablePointer<Int32>.allocate(capacity: stride)
                    defer { sums.deallocate() }
                    let s = src.baseAddress!, d = dst.baseAddress!
                    for yy in 0..<outHeight {
                        let (ymin, count) = co.bounds[yy]
                        let k = yy * co.ksize
                        sums.update(repeating: half, count: stride)
                        for y in 0..<count {
                            let w = kk[k + y], row = s + (y + ymin) * stride
                            for i in 0..<stride { sums[i] &+= Int32(row[i]) &* w }
                        }
                        let o = d + yy * stride
                        for i in 0..<stride { o[i] = clip8(sums[i]) }
                    }
                }
            }
        }
        return PixelImage(width: w, height: outHeight, mode: image.mode, pixels: out)
    }

    /// Pillow's NEAREST resize (`ImagingScaleAffine`): source positions start at half a step and advance
    /// by repeated addition of the step in double precision, truncated; the accumulated rounding decides
    /// which source pixel lands on a boundary, so it is reproduced as is.
    /// `window`: only those output pixels. The additions before the window still run, so that the rounding
    /// is Pillow's; they cost one add each and no memory, up to `exactPositionLimit` of them. Past that (a
    /// window millions of pixels into a strip's resize) the position is `step · (i + ½)` directly, which can
    /// pick the neighbouring source pixel where the sum's rounding would have tipped the other way.
    static func nearest(_ image: PixelImage, width outW: Int, height outH: Int, window: Window? = nil) -> PixelImage {
        let window = window ?? Window(columns: 0..<outW, rows: 0..<outH)
        func positions(_ inSize: Int, _ outSize: Int, _ outputs: Range<Int>) -> [Int] {
            let step = Double(inSize) / Double(outSize)
            var table = [Int](repeating: 0, count: outputs.count)
            guard outputs.upperBound <= exactPositionLimit else {
                for i in outputs {
                    table[i - outputs.lowerBound] = min(inSize - 1, max(0, Int(step * (Double(i) + 0.5))))
                }
                return table
            }
            var position = step * 0.5
            for i in 0..<outputs.upperBound {
                if i >= outputs.lowerBound { table[i - outputs.lowerBound] = min(inSize - 1, max(0, Int(position))) }
                position += step
            }
            return table
        }
        let c = image.mode.channels
        let xs = positions(image.width, outW, window.columns), ys = positions(image.height, outH, window.rows)
        let w = xs.count
        var out = [UInt8](repeating: 0, count: w * ys.count * c)
        for y in 0..<ys.count {
            for x in 0..<w {
                let src = (ys[y] * image.width + xs[x]) * c
                for ch in 0..<c { out[(y * w + x) * c + ch] = image.pixels[src + ch] }
            }
        }
        return PixelImage(width: w, height: ys.count, mode: image.mode, pixels: out)
    }
}
