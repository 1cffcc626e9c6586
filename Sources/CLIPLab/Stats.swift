import Foundation

/// The few statistics the lab reports.
enum Stats {
    static func meanStd(_ v: [Double]) -> (mean: Double, std: Double) {
        guard !v.isEmpty else { return (.nan, .nan) }
        let mean = v.reduce(0, +) / Double(v.count)
        let variance = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(v.count)
        return (mean, variance.squareRoot())
    }

    /// Least squares `y ≈ slope · x + intercept`, and R² (1 − residual / total sum of squares).
    static func linearFit(_ x: [Double], _ y: [Double]) -> (slope: Double, intercept: Double, r2: Double) {
        let n = Double(x.count), mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        let sxy = zip(x, y).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) },
            sxx = x.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
        let slope = sxx > 0 ? sxy / sxx : 0, intercept = my - slope * mx
        let total = y.reduce(0) { $0 + ($1 - my) * ($1 - my) }
        let residual = zip(x, y).reduce(0) { $0 + pow($1.1 - (slope * $1.0 + intercept), 2) }
        return (slope, intercept, total > 0 ? 1 - residual / total : 1)
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for (x, y) in zip(a, b) {
            dot += Double(x) * Double(y)
            na += Double(x) * Double(x)
            nb += Double(y) * Double(y)
        }
        return dot / max((na * nb).squareRoot(), 1e-30)
    }
}
