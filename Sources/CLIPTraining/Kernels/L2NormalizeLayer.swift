/// Row-wise `y = x / max(‖x‖, 1e-12)` (as `F.normalize`), saving the norms.
@_spi(Kernels) public enum L2NormalizeLayer {
    public static func forward(
        _ out: UnsafeMutablePointer<Float>, norms: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, rows: Int,
        width: Int
    ) {
        for r in 0..<rows {
            let x = inp + r * width, y = out + r * width
            var sum: Float = 0
            for j in 0..<width { sum += x[j] * x[j] }
            let n = max(sum.squareRoot(), 1e-12)
            norms[r] = n
            for j in 0..<width { y[j] = x[j] / n }
        }
    }

    /// `dx = (dy − y·(y·dy)) / ‖x‖` (overwrites `dinp`).
    public static func backward(
        dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, out: UnsafePointer<Float>,
        norms: UnsafePointer<Float>, rows: Int, width: Int
    ) {
        for r in 0..<rows {
            let y = out + r * width, dy = dout + r * width, dx = dinp + r * width
            var dot: Float = 0
            for j in 0..<width { dot += y[j] * dy[j] }
            for j in 0..<width { dx[j] = (dy[j] - y[j] * dot) / norms[r] }
        }
    }
}
