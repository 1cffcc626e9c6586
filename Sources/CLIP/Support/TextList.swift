import Foundation

/// Text files with one item per line.
public enum TextList {
    /// The lines of a UTF-8 file (CRLF accepted); a final newline does not add an empty item.
    public static func read(_ path: String) throws -> [String] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw CLIPError.io(
                file: path,
                reason: "cannot read: \((error as NSError).localizedFailureReason ?? error.localizedDescription)")
        }
        guard String(data: data, encoding: .utf8) != nil else {
            throw CLIPError.input(file: path, reason: "not valid UTF-8 text")
        }
        // Split bytes, not Characters: Swift reads "\r\n" as one Character, which is not "\n".
        var lines = data.split(separator: 0x0A, omittingEmptySubsequences: false).map { line -> String in
            let bytes = line.last == 0x0D ? line.dropLast() : line
            return String(decoding: bytes, as: UTF8.self)
        }
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}
