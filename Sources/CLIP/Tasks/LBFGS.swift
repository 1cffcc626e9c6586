/// Limited-memory BFGS for smooth convex objectives (the linear probe's): two-loop recursion over the
/// last `memory` steps, backtracking line search with the Armijo condition.
struct LBFGS {
    var memory = 10
    var maxIterations = 1000
    /// Stop when the gradient's largest entry falls below this.
    var gradientTolerance = 1e-5

    struct Result {
        let x: [Double]
        let value: Double
        let iterations: Int
        let converged: Bool
    }

    /// Minimises `objective`, which returns the value and writes the gradient.
    func minimize(from start: [Double], _ objective: ([Double], inout [Double]) -> Double) -> Result {
        var x = start
        var g = [Double](repeating: 0, count: x.count)
        var f = objective(x, &g)
        var steps: [[Double]] = [], gradientChanges: [[Double]] = [], rhos: [Double] = []
        for iteration in 0..<maxIterations {
            if (g.map(abs).max() ?? 0) < gradientTolerance {
                return Result(x: x, value: f, iterations: iteration, converged: true)
            }
            // Two-loop recursion: direction = −H·g.
            var q = g
            var alphas = [Double](repeating: 0, count: steps.count)
            for i in stride(from: steps.count - 1, through: 0, by: -1) {
                alphas[i] = rhos[i] * dot(steps[i], q)
                axpy(-alphas[i], gradientChanges[i], &q)
            }
            if let s = steps.last, let y = gradientChanges.last {
                let gamma = dot(s, y) / dot(y, y)
                for k in q.indices { q[k] *= gamma }
            } else {
                let norm = dot(g, g).squareRoot()
                for k in q.indices { q[k] /= max(norm, 1) }
            }
            for i in 0..<steps.count {
                let beta = rhos[i] * dot(gradientChanges[i], q)
                axpy(alphas[i] - beta, steps[i], &q)
            }
            var direction = q.map { -$0 }
            var slope = dot(g, direction)
            if slope >= 0 {  // not a descent direction (numerical trouble): restart from steepest descent
                steps.removeAll()
                gradientChanges.removeAll()
                rhos.removeAll()
                direction = g.map { -$0 }
                slope = -dot(g, g)
            }
            var t = 1.0, newX = x, newG = g, newF = f
            for _ in 0..<40 {
                for k in x.indices { newX[k] = x[k] + t * direction[k] }
                newF = objective(newX, &newG)
                if newF <= f + 1e-4 * t * slope { break }
                t *= 0.5
            }
            guard newF < f || newF <= f + 1e-12 else {
                return Result(x: x, value: f, iterations: iteration, converged: true)
            }
            let s = zip(newX, x).map { $0 - $1 }, y = zip(newG, g).map { $0 - $1 }
            let sy = dot(s, y)
            if sy > 1e-12 {
                steps.append(s)
                gradientChanges.append(y)
                rhos.append(1 / sy)
                if steps.count > memory {
                    steps.removeFirst()
                    gradientChanges.removeFirst()
                    rhos.removeFirst()
                }
            }
            let improvement = f - newF
            (x, g, f) = (newX, newG, newF)
            if improvement < 1e-12 * max(1, abs(f)) {
                return Result(x: x, value: f, iterations: iteration + 1, converged: true)
            }
        }
        return Result(x: x, value: f, iterations: maxIterations, converged: false)
    }

    private func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { s += a[i] * b[i] }
        return s
    }

    private func axpy(_ a: Double, _ x: [Double], _ y: inout [Double]) {
        for i in y.indices { y[i] += a * x[i] }
    }
}
