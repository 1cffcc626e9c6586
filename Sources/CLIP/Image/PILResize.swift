extension PixelImage {
    /// PIL's `Image.resize(size, Image.BICUBIC)` with its mode rules: palette images use nearest-neighbour,
    /// and images with alpha are resized premultiplied (RGBA → RGBa → resize → RGBA).
    public func resizedLikePIL(width w: Int, height h: Int) -> PixelImage {
        resizedLikePIL(width: w, height: h, window: Resample.Window(columns: 0..<w, rows: 0..<h))
    }

    /// The `window` of that resize alone (what a crop keeps), computed at the window's cost.
    func resizedLikePIL(width w: Int, height h: Int, window: Resample.Window) -> PixelImage {
        if w == width && h == height {
            if window == Resample.Window(columns: 0..<w, rows: 0..<h) { return self }
            return cropped(
                left: window.columns.lowerBound, top: window.rows.lowerBound, width: window.columns.count,
                height: window.rows.count)
        }
        switch mode {
        case .palette:
            return Resample.nearest(self, width: w, height: h, window: window)
        case .rgba, .grayAlpha:
            return Resample.resize(premultiplied(), width: w, height: h, filter: .bicubic, window: window)
                .unpremultiplied()
        case .rgb, .gray, .cmyk:
            return Resample.resize(self, width: w, height: h, filter: .bicubic, window: window)
        }
    }

    /// Pillow's RGBA → RGBa: each colour channel becomes `c·a/255`, rounded as `MULDIV255`.
    func premultiplied() -> PixelImage {
        let c = mode.channels
        var out = pixels
        for i in 0..<(width * height) {
            let a = UInt32(pixels[i * c + c - 1])
            for ch in 0..<(c - 1) {
                let t = UInt32(pixels[i * c + ch]) * a + 128
                out[i * c + ch] = UInt8(((t >> 8) + t) >> 8)
            }
        }
        return PixelImage(width: width, height: height, mode: mode, pixels: out)
    }

    /// Pillow's RGBa → RGBA: `c·255/a` clipped, and untouched where alpha is 0 or 255.
    func unpremultiplied() -> PixelImage {
        let c = mode.channels
        var out = pixels
        for i in 0..<(width * height) {
            let a = UInt32(pixels[i * c + c - 1])
            guard a != 0, a != 255 else { continue }
            for ch in 0..<(c - 1) {
                out[i * c + ch] = UInt8(min(255, UInt32(pixels[i * c + ch]) * 255 / a))
            }
        }
        return PixelImage(width: width, height: height, mode: mode, pixels: out)
    }
}
