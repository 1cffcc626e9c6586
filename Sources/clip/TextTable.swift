import Foundation

/// Plain-text tables for the terminal: columns padded to their widest cell, fitted to the terminal's width.
enum TextTable {
    /// The padded lines. When `width` is given and the table is wider, the `optional` columns (in that order)
    /// are first cut short with "…" (to no less than 16 characters), then dropped.
    static func fit(_ rows: [[String]], width: Int?, optional: [Int]) -> [String] {
        var rows = rows
        if let width {
            for column in optional where self.width(of: rows) > width {
                let excess = self.width(of: rows) - width
                let widest = rows.map { $0[column].count }.max() ?? 0
                let target = widest - excess
                if target >= 16 {
                    rows = rows.map { row in
                        var row = row
                        if row[column].count > target { row[column] = String(row[column].prefix(target - 1)) + "…" }
                        return row
                    }
                } else {
                    rows = rows.map { row in
                        var row = row
                        row[column] = ""
                        return row
                    }
                }
            }
        }
        let widths = (0..<(rows.first?.count ?? 0)).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            zip(row, widths).filter { $1 > 0 }.map { $0 + String(repeating: " ", count: $1 - $0.count) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
    }

    /// The width of the widest padded line.
    static func width(of rows: [[String]]) -> Int {
        let widths = (0..<(rows.first?.count ?? 0)).map { column in rows.map { $0[column].count }.max() ?? 0 }.filter {
            $0 > 0
        }
        return widths.reduce(0, +) + 2 * max(0, widths.count - 1)
    }
}

/// The terminal's width in columns: `$COLUMNS`, else the window size of stdout when it is a terminal; nil
/// (no limit) when writing to a pipe or a file, so scripts get every column.
enum TerminalWidth {
    static func current(environment: [String: String] = ProcessInfo.processInfo.environment) -> Int? {
        if let columns = environment["COLUMNS"].flatMap(Int.init), columns > 0 { return columns }
        guard isatty(1) != 0 else { return nil }
        var size = winsize()
        guard ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }
}
