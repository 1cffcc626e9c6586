import Foundation

/// Line panels side by side (or in a grid) under one title: in each, one thin line per image and, per
/// group, the mean as a bold line inside a band (mean ± one standard deviation); a legend below.
struct LineChart {
    struct Group {
        let name: String
        /// One line per image: y at each x.
        let lines: [[Double]]
        let color: String
    }

    struct Panel {
        let title: String
        let xLabel: String
        let yLabel: String
        let xs: [Double]
        let groups: [Group]
        /// Fixed y range, or nil to fit the data.
        var yRange: (Double, Double)?
        /// Shown top-left inside the plot area (a fit, a count).
        var note: String?
    }

    let title: String
    let panels: [Panel]
    var columns = 2

    func svg() -> String {
        let cols = min(columns, max(panels.count, 1)), rows = (panels.count + cols - 1) / cols
        let panelW = 430.0, panelH = 300.0, top = 48.0, width = Double(cols) * panelW + 20
        // Legend: every group once, then what the thin lines are; entries wrap onto further rows.
        var names: [(String, String)] = []
        for g in panels.flatMap(\.groups) where !names.contains(where: { $0.0 == g.name }) {
            names.append((g.name, g.color))
        }
        let entries =
            names.map { (text: "\($0.0): mean ± 1 s.d.", color: Optional($0.1)) } + [(text: "one image", color: nil)]
        var placed: [(x: Double, row: Int)] = [], lx = 20.0, legendRow = 0
        for entry in entries {
            let w = 36 + Double(entry.text.count) * 6.6
            if lx + w > width - 10 && lx > 20 {
                lx = 20
                legendRow += 1
            }
            placed.append((lx, legendRow))
            lx += w
        }
        var doc = SVGDocument(width: width, height: top + Double(rows) * panelH + 34 + 20 * Double(legendRow))
        doc.text(title, doc.width / 2, 28, size: 17, anchor: .middle, bold: true)
        for (i, panel) in panels.enumerated() {
            let ox = 10 + Double(i % cols) * panelW, oy = top + Double(i / cols) * panelH
            draw(panel, into: &doc, x: ox, y: oy, width: panelW, height: panelH)
        }
        for (entry, at) in zip(entries, placed) {
            let ly = top + Double(rows) * panelH + 22 + 20 * Double(at.row)
            if let color = entry.color {
                doc.rect(at.x, ly - 10, 22, 12, fill: color, stroke: nil)
                doc.line(at.x, ly - 4, at.x + 22, ly - 4, stroke: color, width: 3)
            } else {
                doc.line(at.x, ly - 4, at.x + 22, ly - 4, stroke: "#888888", width: 0.8)
            }
            doc.text(entry.text, at.x + 28, ly, size: 12)
        }
        return doc.svg
    }

    private func draw(
        _ p: Panel, into doc: inout SVGDocument, x ox: Double, y oy: Double, width: Double, height: Double
    ) {
        let left = ox + 62, right = ox + width - 16, top = oy + 30, bottom = oy + height - 48
        let all = p.groups.flatMap { $0.lines.flatMap { $0 } }.filter(\.isFinite)
        var (ylo, yhi) = p.yRange ?? (all.min() ?? 0, all.max() ?? 1)
        if yhi - ylo < 1e-6 {
            ylo -= 0.05
            yhi += 0.05
        }
        let pad = p.yRange == nil ? (yhi - ylo) * 0.05 : 0
        ylo -= pad
        yhi += pad
        let xlo = p.xs.min() ?? 0, xhi = max(p.xs.max() ?? 1, xlo + 1e-9)
        func px(_ x: Double) -> Double { left + (x - xlo) / (xhi - xlo) * (right - left) }
        func py(_ y: Double) -> Double { bottom - (y - ylo) / (yhi - ylo) * (bottom - top) }
        doc.text(p.title, (left + right) / 2, oy + 18, size: 14, anchor: .middle, bold: true)
        for t in Ticks.values(ylo, yhi) {
            doc.line(left, py(t), right, py(t), stroke: "#e6e6e6")
            doc.text(Ticks.label(t), left - 6, py(t) + 4, size: 11, anchor: .end)
        }
        for t in Ticks.values(xlo, xhi, target: 6) {
            doc.line(px(t), bottom, px(t), bottom + 5, stroke: "#444444")
            doc.text(Ticks.label(t), px(t), bottom + 18, size: 11, anchor: .middle)
        }
        doc.line(left, bottom, right, bottom, stroke: "#444444")
        doc.line(left, top, left, bottom, stroke: "#444444")
        doc.text(p.xLabel, (left + right) / 2, bottom + 38, size: 12, anchor: .middle)
        doc.text(p.yLabel, ox + 16, (top + bottom) / 2, size: 12, anchor: .middle, rotate: -90)
        for g in p.groups {
            for line in g.lines {
                doc.polyline(
                    zip(p.xs, line).filter { $1.isFinite }.map { (px($0), py($1)) }, stroke: g.color, width: 0.8,
                    opacity: 0.35)
            }
            let stats = p.xs.indices.map { i in
                Stats.meanStd(g.lines.compactMap { $0.count > i && $0[i].isFinite ? $0[i] : nil })
            }
            let upper = zip(p.xs, stats).map { (px($0), py(min($1.mean + $1.std, yhi))) }
            let lower = zip(p.xs, stats).map { (px($0), py(max($1.mean - $1.std, ylo))) }.reversed()
            doc.polygon(upper + lower, fill: g.color, opacity: 0.18)
            doc.polyline(zip(p.xs, stats).map { (px($0), py($1.mean)) }, stroke: g.color, width: 2.6)
        }
        if let note = p.note {
            // Bottom left, where falling curves leave room.
            let lines = note.split(separator: "\n")
            for (k, line) in lines.enumerated() {
                doc.text(String(line), left + 8, bottom - 8 - Double(lines.count - 1 - k) * 15, size: 11)
            }
        }
    }
}
