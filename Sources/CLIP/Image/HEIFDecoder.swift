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
        guard let context = heif_context_alloc() else { throw CLIPError.input(file: name, reason: "cannot initialise the HEIF decoder") }
        defer { heif_context_free(context) }
        try check(heif_context_read_from_memory_without_copy(context, bytes.baseAddress, bytes.count, nil), name, "corrupt HEIF container")
        var handle: OpaquePointer?
        try check(heif_context_get_primary_image_handle(context, &handle), name, "HEIF has no primary image")
        defer { heif_image_handle_release(handle) }
        let (w, h) = (Int(heif_image_handle_get_width(handle)), Int(heif_image_handle_get_height(handle)))
        try ImageDecoder.checkSize(width: w, height: h, name: name, maxPixels: maxPixels)
        let hasAlpha = heif_image_handle_has_alpha_channel(handle) != 0
        var image: OpaquePointer?
        try check(heif_decode_image(handle, &image, heif_colorspace_RGB, hasAlpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB, nil),
                  name, "corrupt or truncated HEIF image data")
        defer { heif_image_release(image) }
        var stride: Int32 = 0
        guard let plane = heif_image_get_plane_readonly(image, heif_channel_interleaved, &stride) else {
            throw CLIPError.input(file: name, reason: "HEIF image has no RGB plane")
        }
        let mode: PixelImage.Mode = hasAlpha ? .rgba : .rgb
        let (outW, outH) = (Int(heif_image_get_width(image, heif_channel_interleaved)), Int(heif_image_get_height(image, heif_channel_interleaved)))
        let rowBytes = outW * mode.channels
        var pixels = [UInt8](repeating: 0, count: rowBytes * outH)
        for y in 0..<outH {
            for x in 0..<rowBytes { pixels[y * rowBytes + x] = plane[y * Int(stride) + x] }
        }
        return PixelImage(width: outW, height: outH, mode: mode, pixels: pixels)
    }

    private static func check(_ error: heif_error, _ name: String, _ what: String) throws {
        guard error.code != heif_error_Ok else { return }
        let detail = error.message.map { String(cString: $0) } ?? "code \(error.code.rawValue)"
        throw CLIPError.input(file: name, reason: "\(what): \(detail)")
    }
}
