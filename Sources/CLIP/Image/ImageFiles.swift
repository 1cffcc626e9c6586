import Foundation

/// Expands what a person names on the command line (files and folders) into the image files to read.
public enum ImageFiles {
    /// Extensions looked for inside folders (files named explicitly are always taken; decoding goes by content).
    public static let extensions: Set<String> = ["jpg", "jpeg", "jpe", "png", "webp", "gif", "heic", "heif", "avif"]

    /// Files as given, and each folder's image files, recursively, hidden ones skipped, sorted by path so
    /// the order (and so `--shard`) is the same on every machine. A missing path is an error naming it, and
    /// so is a folder without images (saying what it holds instead): nothing could be done with it.
    public static func collect(_ paths: [String]) throws -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw CLIPError.input(file: path, reason: "no such file or folder")
            }
            // A file named explicitly is taken as given; a folder is walked as the indexer walks it.
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            var skipped = FileScanner.Skipped()
            let found = try FileScanner().scan(path, skipped: &skipped)
            if found.isEmpty { throw CLIPError.input(file: path, reason: noImages(skipped)) }
            files += found.map(\.path)
        }
        return files
    }

    /// Why a folder gave nothing: "no images (0 of the 12 files are .jpg, .png, …: 7 .txt, 5 .pdf)".
    public static func noImages(_ skipped: FileScanner.Skipped) -> String {
        let looked = "images are " + extensions.sorted().map { "." + $0 }.joined(separator: ", ")
        guard let what = skipped.description else { return "no images: the folder is empty (\(looked))" }
        return "no images: skipped \(what); \(looked)"
    }
}
