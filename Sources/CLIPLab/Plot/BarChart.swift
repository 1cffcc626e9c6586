/// One bar per category (the mean over images), with the spread over images as a whisker from the lowest
/// to the highest value and each image as a dot; values printed over the bars.
struct BarChart {
    let title: String
    let yLabel: String
    let categories: [String]
    /// Per category, one value per image.
    let values: [[Double]]
    var yRange: (Double, Double)?

    func svg() -> String {
        let barW = 64.0, left = 76.0, top = 54.0, plotH = 300.0
        let width = left + Double(categories.count) * barW + 30, height = top + plotH + 120
        var doc = SVGDocument(width: max(width, 420), height: height)
        doc.text(title, doc.width / 2, 28, size: 17, anchor: .middle, bold: true)
        let all = values.flatMap { $0 }.filter(\.isFinite)
        var (ylo, yhi) = yRange ?? (min(all.min() ?? 0, 0), max(all.max() ?? 1, 0))
        if yhi - ylo < 1e-6 { yhi = ylo + 1 }
        let bottom = top + plotH
        func py(_ y: Double) -> Double { bottom - (y - ylo) / (yhi - ylo) * plotH }
        for t in Ticks.values(ylo, yhi) {
            doc.line(left, py(t), left + Double(categories.count) * barW, py(t), stroke: "#e6e6e6")
            doc.text(Ticks.label(t), left - 6, py(t) + 4, size: 11, anchor: .end)
        }
        doc.line(left, top, left, bottom, stroke: "#444444")
        doc.line(left, py(max(ylo, 0)), left + Double(categories.count) * barW, py(max(ylo, 0)), stroke: "#444444")
        doc.text(yLabel, 18, (top + bottom) / 2, size: 12, anchor: .middle, rotate: -90)
        for (i, name) in categories.enumerated() {
            let v = values[i].filter(\.isFinite), x = left + Double(i) * barW + 10, w = barW - 20
            let s = Stats.meanStd(v), base = py(max(ylo, 0))
            doc.rect(x, min(py(s.mean), base), w, abs(base - py(s.mean)), fill: Palette.color(i))
            if let lo = v.min(), let hi = v.max() {
                doc.line(x + w / 2, py(lo), x + w / 2, py(hi), stroke: "#222222", width: 1.2)
                doc.line(x + w / 2 - 6, py(lo), x + w / 2 + 6, py(lo), stroke: "#222222", width: 1.2)
                doc.line(x + w / 2 - 6, py(hi), x + w / 2 + 6, py(hi), stroke: "#222222", width: 1.2)
            }
            for (k, value) in v.enumerated() {
                doc.circle(x + 6 + Double(k % 8) * (w - 12) / 7, py(value), 1.8, fill: "#222222")
            }
            doc.text(String(format: "%.3f", s.mean), x + w / 2, min(py(s.mean), base) - 6, size: 10, anchor: .middle)
            doc.text(name, x + w / 2, bottom + 14, size: 11, anchor: .end, rotate: -35)
        }
        return doc.svg
    }
}

/// A grid of cells coloured by value (rows × columns), with a colour bar.
struct Heatmap {
    let title: String
    let xLabel: String
    let yLabel: String
    let columnLabels: [String]
    let rowLabels: [String]
    /// `[row][column]`.
    let values: [[Double]]

    func svg() -> String {
        let cell = 34.0, left = 96.0, top = 56.0
        let cols = columnLabels.count, rows = rowLabels.count
        var doc = SVGDocument(width: left + Double(cols) * cell + 120, height: top + Double(rows) * cell + 70)
        doc.text(title, doc.width / 2, 28, size: 16, anchor: .middle, bold: true)
        let all = values.flatMap { $0 }.filter(\.isFinite)
        let lo = all.min() ?? 0, hi = max(all.max() ?? 1, lo + 1e-9)
        for r in 0..<rows {
            doc.text(rowLabels[r], left - 8, top + (Double(r) + 0.62) * cell, size: 11, anchor: .end)
            for c in 0..<cols {
                let v = values[r][c]
                doc.rect(
                    left + Double(c) * cell, top + Double(r) * cell, cell, cell,
                    fill: Palette.ramp((v - lo) / (hi - lo)), stroke: "#ffffff")
            }
        }
        for c in 0..<cols {
            doc.text(
                columnLabels[c], left + (Double(c) + 0.5) * cell, top + Double(rows) * cell + 16, size: 10,
                anchor: .middle)
        }
        doc.text(xLabel, left + Double(cols) * cell / 2, top + Double(rows) * cell + 40, size: 12, anchor: .middle)
        doc.text(yLabel, 16, top + Double(rows) * cell / 2, size: 12, anchor: .middle, rotate: -90)
        // Colour bar.
        let bx = left + Double(cols) * cell + 24, bh = Double(rows) * cell
        for k in 0..<40 {
            let t = 1 - Double(k) / 39
            doc.rect(bx, top + Double(k) * bh / 40, 16, bh / 40 + 0.5, fill: Palette.ramp(t))
        }
        doc.text(String(format: "%.3g", hi), bx + 22, top + 8, size: 10)
        doc.text(String(format: "%.3g", lo), bx + 22, top + bh, size: 10)
        return doc.svg
    }
}
