import CLIP
import Foundation

/// One JSON object per line, keys sorted, non-ASCII kept readable.
enum JSONLines {
    static func write(_ rows: [[String: Any]], to url: URL) throws {
        var out = Data()
        for row in rows {
            out += try JSONSerialization.data(withJSONObject: row, options: [.sortedKeys, .withoutEscapingSlashes])
            out += Data("\n".utf8)
        }
        try FileOutput.write(out, to: url)
    }

    static func string(_ object: Any) throws -> String {
        String(
            decoding: try JSONSerialization.data(
                withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]), as: UTF8.self)
    }
}
