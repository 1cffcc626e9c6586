import Foundation

/// The loss curve of a run as a small self-contained SVG (loss against step, with axis labels).
enum LossCurve {
    static func svg(steps: [Int], losses: [Float], title: String) -> String {
        let (width, height, margin) = (640.0, 360.0, 50.0)
        guard let first = steps.first, let last = steps.last, let top = losses.max(), let bottom = losses.min() else {
            return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"360\"/>\n"
        }
        let span = Double(max(last - first, 1)), range = Double(max(top - bottom, 1e-6))
        func x(_ s: Int) -> Double { margin + (Double(s - first) / span) * (width - 2 * margin) }
        func y(_ l: Float) -> Double { height - margin - (Double(l - bottom) / range) * (height - 2 * margin) }
        let points = zip(steps, losses).map { String(format: "%.1f,%.1f", x($0), y($1)) }.joined(separator: " ")
        func text(_ x: Double, _ y: Double, _ s: String, anchor: String = "middle") -> String {
            String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"%@\">%@</text>", x, y, anchor, s)
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
            font-family="sans-serif">
            <rect width="100%" height="100%" fill="white"/>
            <line x1="\(margin)" y1="\(height - margin)" x2="\(width - margin)" y2="\(height - margin)" stroke="black"/>
            <line x1="\(margin)" y1="\(margin)" x2="\(margin)" y2="\(height - margin)" stroke="black"/>
            <polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="\(points)"/>
            \(text(width / 2, 24, title))
            \(text(width / 2, height - 12, "step"))
            \(text(margin - 6, y(top) + 4, String(format: "%.3f", top), anchor: "end"))
            \(text(margin - 6, y(bottom) + 4, String(format: "%.3f", bottom), anchor: "end"))
            \(text(x(first), height - margin + 16, String(first)))
            \(text(x(last), height - margin + 16, String(last)))
            </svg>

            """
    }
}
