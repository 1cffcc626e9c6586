import Foundation

/// Text files with one item per line.
public enum TextList {
    /// The lines of a UTF-8 file (CRLF accepted); a final newline does not add an empty item.
    public static func read(_ path: String) throws -> [String] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw CLIPError.io(file: path, reason: "cannot read: \((error as NSError).localizedFailureReason ?? error.localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw CLIPError.input(file: path, reason: "not valid UTF-8 text") }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}
