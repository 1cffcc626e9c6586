import CHEIF

/// HEIC/HEIF (phones' default photo format) and AVIF through libheif: the primary image, with the
/// container's rotation and mirroring applied (as pillow-heif shows it), as RGB or RGBA.
enum HEIFDecoder {
    /// ISO-BMFF `ftyp` box with a HEIF-family brand.
    static func isHEIF(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 12, Array(bytes[4..<8]) == Array("ftyp".utf8) else { return false }
        let brand = String(decoding: bytes[8..<12], as: UTF8.self)
        return ["heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1", "avif", "avis"].contains(brand)
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, name: String, maxPixels: Int) throws -> PixelImage {
        guard let context = heif_context_alloc() else {
            throw CLIPError.input(file: name, reason: "cannot initialise the HEIF decoder")
        }
        defer { heif_context_free(context) }
        try check(
            heif_context_read_from_memory_without_copy(context, bytes.baseAddress, bytes.count, nil), name,
            "corrupt HEIF container")
        var handle: OpaquePointer?
        try check(heif_context_get_primary_image_handle(context, &handle), name, "HEIF has no primary image")
        defer { heif_image_handle_release(handle) }
        let (w, h) = (Int(heif_image_handle_get_width(handle)), Int(heif_image_handle_get_height(handle)))
        try ImageDecoder.checkSize(width: w, height: h, name: name, maxPixels: maxPixels)
        let hasAlpha = heif_image_handle_has_alpha_channel(handle) != 0
        let container = HEIFContainer(bytes)
        if container.isYCbCr420,
            let image = try convertedByUs(handle, container: container, hasAlpha: hasAlpha, name: name)
        {
            return image
        }
        var image: OpaquePointer?
        try check(
            heif_decode_image(
                handle, &image, heif_colorspace_RGB,
                hasAlpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB, nil),
            name, "corrupt or truncated HEIF image data")
        defer { heif_image_release(image) }
        var stride: Int32 = 0
        guard let plane = heif_image_get_plane_readonly(image, heif_channel_interleaved, &stride) else {
            throw CLIPError.input(file: name, reason: "HEIF image has no RGB plane")
        }
        let mode: PixelImage.Mode = hasAlpha ? .rgba : .rgb
        let (outW, outH) = (
            Int(heif_image_get_width(image, heif_channel_interleaved)),
            Int(heif_image_get_height(image, heif_channel_interleaved))
        )
        let rowBytes = outW * mode.channels
        var pixels = [UInt8](repeating: 0, count: rowBytes * outH)
        for y in 0..<outH {
            for x in 0..<rowBytes { pixels[y * rowBytes + x] = plane[y * Int(stride) + x] }
        }
        return PixelImage(width: outW, height: outH, mode: mode, pixels: pixels)
    }

    /// Decodes a 4:2:0-coded image to its untransformed YCbCr planes, converts 8-bit full-range ones (what
    /// phones write) with `YCbCr420ToRGB`, then crops, rotates and mirrors, as the reference's libheif does.
    /// nil: left to libheif's own conversion.
    private static func convertedByUs(_ handle: OpaquePointer?, container: HEIFContainer, hasAlpha: Bool, name: String)
        throws -> PixelImage?
    {
        var image: OpaquePointer?
        let options = heif_decoding_options_alloc()
        defer { heif_decoding_options_free(options) }
        options?.pointee.ignore_transformations = 1
        // A failure here (libheif 1.15 cannot give 4:2:0 planes for every file, odd-sized alpha for one)
        // falls back to libheif's RGB path, which reports real corruption.
        guard heif_decode_image(handle, &image, heif_colorspace_YCbCr, heif_chroma_420, options).code == heif_error_Ok
        else { return nil }
        defer { heif_image_release(image) }
        guard heif_image_get_colorspace(image) == heif_colorspace_YCbCr,
            heif_image_get_chroma_format(image) == heif_chroma_420,
            [heif_channel_Y, heif_channel_Cb, heif_channel_Cr].allSatisfy({
                heif_image_get_bits_per_pixel_range(image, $0) == 8
            })
        else { return nil }
        var matrix = 2, fullRange = true  // libheif's assumption when a file states no colour profile
        var nclx: UnsafeMutablePointer<heif_color_profile_nclx>?
        // libheif 1.15 leaves the file's `colr` profile on the handle, not on the decoded image.
        if heif_image_get_nclx_color_profile(image, &nclx).code == heif_error_Ok
            || heif_image_handle_get_nclx_color_profile(handle, &nclx).code == heif_error_Ok,
            let profile = nclx?.pointee
        {
            matrix = Int(profile.matrix_coefficients.rawValue)
            fullRange = profile.full_range_flag != 0
        }
        heif_nclx_color_profile_free(nclx)
        let (w, h) = (
            Int(heif_image_get_width(image, heif_channel_Y)), Int(heif_image_get_height(image, heif_channel_Y))
        )
        // libheif turns or mirrors 4:2:0 planes directly only when the 2×2 chroma blocks stay whole.
        var size = (w, h), oddTurn = false
        for transform in container.transforms {
            switch transform {
            case .crop, .rotate(quarterTurns: 0): break
            case .rotate, .mirror: oddTurn = oddTurn || size.0 % 2 == 1 || size.1 % 2 == 1
            }
            size = transform.size(after: size.0, size.1)
        }
        guard
            let converter = YCbCr420ToRGB(
                matrixCoefficients: matrix, fullRange: fullRange,
                method: oddTurn ? .bilinearFloat : .nearestFixedPoint)
        else { return nil }
        var yStride: Int32 = 0, cbStride: Int32 = 0, crStride: Int32 = 0
        guard let y = heif_image_get_plane_readonly(image, heif_channel_Y, &yStride),
            let cb = heif_image_get_plane_readonly(image, heif_channel_Cb, &cbStride),
            let cr = heif_image_get_plane_readonly(image, heif_channel_Cr, &crStride)
        else { return nil }
        var alpha: (UnsafePointer<UInt8>, Int)?
        if hasAlpha {
            var alphaStride: Int32 = 0
            guard heif_image_has_channel(image, heif_channel_Alpha) != 0,
                heif_image_get_bits_per_pixel_range(image, heif_channel_Alpha) == 8,
                let plane = heif_image_get_plane_readonly(image, heif_channel_Alpha, &alphaStride)
            else { return nil }
            alpha = (plane, Int(alphaStride))
        }
        let pixels = converter.convert(
            y: y, yStride: Int(yStride), cb: cb, cbStride: Int(cbStride), cr: cr, crStride: Int(crStride),
            alpha: alpha, width: w, height: h)
        return container.transforms.reduce(
            PixelImage(width: w, height: h, mode: hasAlpha ? .rgba : .rgb, pixels: pixels)
        ) { $1.apply(to: $0) }
    }

    private static func check(_ error: heif_error, _ name: String, _ what: String) throws {
        guard error.code != heif_error_Ok else { return }
        let detail = error.message.map { String(cString: $0) } ?? "code \(error.code.rawValue)"
        throw CLIPError.input(file: name, reason: "\(what): \(detail)")
    }
}
