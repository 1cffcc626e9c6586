import Foundation

/// Writing files the way every command must: atomically (a temporary file renamed into place, so a kill
/// never leaves half a file) and with a `CLIPError` naming the path when it fails.
public enum FileOutput {
    /// Writes `data` to `url` atomically; `what` names the content in the error ("cannot write the index: …").
    public static func write(_ data: Data, to url: URL, what: String? = nil) throws {
        do { try data.write(to: url, options: .atomic) } catch {
            throw CLIPError.io(
                file: url.path, reason: "cannot write\(what.map { " " + $0 } ?? ""): \(error.localizedDescription)")
        }
    }

    /// UTF-8 text, atomically.
    public static func write(_ text: String, to url: URL) throws { try write(Data(text.utf8), to: url) }

    /// Creates `url` and its parents if missing; `what` names it in the error ("cannot create the library folder: …").
    public static func createFolder(_ url: URL, what: String = "folder") throws {
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw CLIPError.io(file: url.path, reason: "cannot create \(what): \(error.localizedDescription)")
        }
    }
}
