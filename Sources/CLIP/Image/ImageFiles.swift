import Foundation

/// Expands what a person names on the command line (files and folders) into the image files to read.
public enum ImageFiles {
    /// Extensions looked for inside folders (files named explicitly are always taken; decoding goes by content).
    public static let extensions: Set<String> = ["jpg", "jpeg", "jpe", "png", "webp", "gif", "heic", "heif", "avif"]

    /// Files as given, and each folder's image files, recursively, hidden ones skipped, sorted by path so
    /// the order (and so `--shard`) is the same on every machine. A missing path is an error naming it.
    public static func collect(_ paths: [String]) throws -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw CLIPError.input(file: path, reason: "no such file or folder")
            }
            // A file named explicitly is taken as given; a folder is walked as the indexer walks it.
            files += isDirectory.boolValue ? try FileScanner().scan(path).map(\.path) : [path]
        }
        return files
    }
}
