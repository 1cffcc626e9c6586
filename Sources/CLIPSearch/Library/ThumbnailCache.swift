import CLIP
import Foundation

/// Thumbnails of library files, made once and kept in `<library>/thumbnails/` under the file's content
/// fingerprint (a moved file keeps its thumbnail; a changed one gets a new fingerprint, so a stale
/// thumbnail is never served). JPEG, at most `size` pixels on the long side, EXIF orientation applied.
public struct ThumbnailCache: Sendable {
    public let directory: URL
    public let size: Int
    public let quality: Int

    public init(directory: URL, size: Int = 320, quality: Int = 82) {
        self.directory = directory
        self.size = size
        self.quality = quality
    }

    public init(library: LibraryDatabase, size: Int = 320) {
        self.init(directory: library.directory.appendingPathComponent("thumbnails"), size: size)
    }

    /// The cached JPEG for the image at `path` with content fingerprint `hash`, made (and written
    /// atomically) on first use. Either way only while `path` is still that file (`ServedFile`'s rule).
    public func thumbnail(path: String, hash: String) throws -> Data {
        let name = hash.filter { $0.isLetter || $0.isNumber }
        let folder = directory.appendingPathComponent(String(name.prefix(2)))
        let url = folder.appendingPathComponent("\(name)-\(size).jpg")
        if let cached = try? Data(contentsOf: url) {
            try ServedFile.verify(path, indexedAs: hash)
            return cached
        }
        let data = try Self.make(ServedFile.read(path, indexedAs: hash), name: path, size: size, quality: quality)
        // A cache that cannot be written (read-only library, full disk) costs speed, not the thumbnail.
        try? FileOutput.createFolder(folder, what: "the thumbnail cache")
        try? FileOutput.write(data, to: url, what: "a thumbnail")
        return data
    }

    /// Decodes `bytes` (large JPEGs at a reduced DCT scale), fits them within `size`×`size` and encodes them.
    public static func make(_ bytes: Data, name: String, size: Int, quality: Int) throws -> Data {
        let image = try ImageDecoder.decode(bytes, name: name, options: DecodeOptions(jpegScaledShortSide: size))
        let scale = min(1, Double(size) / Double(max(image.width, image.height)))
        let width = max(1, Int((Double(image.width) * scale).rounded())),
            height = max(1, Int((Double(image.height) * scale).rounded()))
        return try JPEGEncoder.encode(image.resizedLikePIL(width: width, height: height), quality: quality)
    }
}
