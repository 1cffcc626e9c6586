import Foundation

/// A minimal SVG writer: the shapes the lab's charts draw, in user units, with text escaped. The charts
/// are plain SVG 1.1 that browsers and `rsvg-convert` render alike (no scripts, no external fonts).
struct SVGDocument {
    let width: Double, height: Double
    private var body: [String] = []

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
        body.append("<rect x=\"0\" y=\"0\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"#ffffff\"/>")
    }

    mutating func line(
        _ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1, dash: String? = nil
    ) {
        let dashing = dash.map { #" stroke-dasharray="\#($0)""# } ?? ""
        body.append(
            #"<line x1="\#(f(x1))" y1="\#(f(y1))" x2="\#(f(x2))" y2="\#(f(y2))" stroke="\#(stroke)""#
                + #" stroke-width="\#(f(width))"\#(dashing)/>"#)
    }

    mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double, opacity: Double = 1) {
        guard points.count > 1 else { return }
        let coords = points.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ")
        body.append(
            #"<polyline points="\#(coords)" fill="none" stroke="\#(stroke)" stroke-width="\#(f(width))""#
                + #" stroke-opacity="\#(f(opacity))" stroke-linejoin="round"/>"#)
    }

    mutating func polygon(_ points: [(Double, Double)], fill: String, opacity: Double) {
        guard points.count > 2 else { return }
        let coords = points.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ")
        body.append(#"<polygon points="\#(coords)" fill="\#(fill)" fill-opacity="\#(f(opacity))" stroke="none"/>"#)
    }

    mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, stroke: String? = nil) {
        let outline = stroke.map { #" stroke="\#($0)""# } ?? ""
        body.append(
            #"<rect x="\#(f(x))" y="\#(f(y))" width="\#(f(max(w, 0)))" height="\#(f(max(h, 0)))""#
                + #" fill="\#(fill)"\#(outline)/>"#)
    }

    mutating func circle(_ x: Double, _ y: Double, _ r: Double, fill: String) {
        body.append(#"<circle cx="\#(f(x))" cy="\#(f(y))" r="\#(f(r))" fill="\#(fill)"/>"#)
    }

    enum Anchor: String { case start, middle, end }

    mutating func text(
        _ string: String, _ x: Double, _ y: Double, size: Double = 12, anchor: Anchor = .start, bold: Bool = false,
        rotate: Double? = nil, color: String = "#222222"
    ) {
        let transform = rotate.map { #" transform="rotate(\#(f($0)) \#(f(x)) \#(f(y)))""# } ?? ""
        let weight = bold ? #" font-weight="bold""# : ""
        body.append(
            #"<text x="\#(f(x))" y="\#(f(y))" font-family="DejaVu Sans, Helvetica, Arial, sans-serif""#
                + #" font-size="\#(f(size))" text-anchor="\#(anchor.rawValue)" fill="\#(color)"\#(weight)"#
                + #"\#(transform)>\#(Self.escape(string))</text>"#)
    }

    var svg: String {
        #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
            + #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(f(width))" height="\#(f(height))""#
            + #" viewBox="0 0 \#(f(width)) \#(f(height))">"#
            + "\n"
            + body.joined(separator: "\n") + "\n</svg>\n"
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(
            of: ">", with: "&gt;"
        )
        .replacingOccurrences(of: "\"", with: "&quot;")
    }

    private func f(_ v: Double) -> String { v.isFinite ? String(format: "%.2f", v) : "0" }
}

/// Axis arithmetic: round tick steps (1, 2, 5 × 10ⁿ) and a short label for each tick.
enum Ticks {
    static func values(_ lo: Double, _ hi: Double, target: Int = 5) -> [Double] {
        guard hi > lo, lo.isFinite, hi.isFinite else { return [lo] }
        let raw = (hi - lo) / Double(target), magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        var out: [Double] = []
        var v = ceil(lo / step - 1e-9) * step
        while v <= hi + step * 1e-9 {
            out.append(abs(v) < step * 1e-9 ? 0 : v)
            v += step
        }
        return out
    }

    static func label(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e6 { return String(Int(v)) }
        let s = String(format: "%.3g", v)
        return s
    }
}

/// The lab's colours: a categorical palette (colour-blind safe, Okabe–Ito) and a perceptual ramp (viridis
/// control points, interpolated) for heatmaps.
enum Palette {
    static let categorical = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

    static func color(_ i: Int) -> String { categorical[i % categorical.count] }

    static let ramp: [(Double, Double, Double)] = [
        (68, 1, 84), (72, 40, 120), (62, 74, 137), (49, 104, 142), (38, 130, 142),
        (31, 158, 137), (53, 183, 121), (109, 205, 89), (180, 222, 44), (253, 231, 37)
    ]

    /// The ramp's colour at `t` in 0…1.
    static func ramp(_ t: Double) -> String {
        let x = min(max(t.isFinite ? t : 0, 0), 1) * Double(ramp.count - 1)
        let i = min(Int(x), ramp.count - 2), u = x - Double(i)
        let (a, b) = (ramp[i], ramp[i + 1])
        func mix(_ p: Double, _ q: Double) -> Int { Int((p + (q - p) * u).rounded()) }
        return String(format: "#%02x%02x%02x", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }
}
