import CTurboJPEG
import Foundation

/// Baseline JPEG through TurboJPEG (thumbnails, previews). Gray stays one channel; every other mode is
/// converted to RGB first (alpha dropped, as PIL's `convert("RGB")`).
public enum JPEGEncoder {
    public static func encode(_ image: PixelImage, quality: Int = 85) throws -> Data {
        let source = image.mode == .gray ? image : image.convertedToRGB()
        guard let handle = tjInitCompress() else {
            throw CLIPError.invalidArgument("cannot initialise the JPEG encoder")
        }
        defer { tjDestroy(handle) }
        var output: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        defer { if let output { tjFree(output) } }
        let format = source.mode == .gray ? TJPF_GRAY : TJPF_RGB
        let subsampling = source.mode == .gray ? TJSAMP_GRAY : TJSAMP_420
        let status = source.pixels.withUnsafeBufferPointer {
            tjCompress2(
                handle, $0.baseAddress, Int32(source.width), 0, Int32(source.height), Int32(format.rawValue),
                &output, &size, Int32(subsampling.rawValue), Int32(min(100, max(1, quality))), 0)
        }
        guard status == 0, let output else {
            throw CLIPError.invalidArgument("JPEG encoding failed: \(String(cString: tjGetErrorStr2(handle)))")
        }
        return Data(bytes: output, count: Int(size))
    }
}
