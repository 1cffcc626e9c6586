import CLIP
@_spi(Kernels) import CLIPTraining
import XCTest

/// Each backward kernel against central finite differences of its own forward. The scalar probed is
/// L = Σ w ⊙ forward(x) for a fixed random w, so backward runs with dout = w.
final class FiniteDifferenceTests: XCTestCase {
    var random = SeedStream(seed: 42)  // seeded: every run probes the same inputs and coordinates

    func randoms(_ n: Int, scale: Float = 1) -> [Float] {
        (0..<n).map { _ in Float.random(in: -scale...scale, using: &random) }
    }

    /// Compares `analytic` with (L(x + h·e_i) − L(x − h·e_i)) / 2h at up to `samples` coordinates of `x`;
    /// error relative to the largest analytic entry, tolerance 1e-3 (correct kernels measure ≤ 1.3e-4 here in
    /// fp32; a 10% error in one term of the attention backward measures 1.5e-2).
    func check(
        _ name: String, _ x: inout [Float], analytic: [Float], samples: Int = 40, h: Float = 1e-2,
        loss: ([Float]) -> Double,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(x.count, analytic.count, name, file: file, line: line)
        let scale = max(analytic.map(abs).max() ?? 0, 1e-3)
        var worst: Float = 0
        let picks =
            x.count <= samples ? Array(x.indices) : (0..<samples).map { _ in Int.random(in: x.indices, using: &random) }
        for i in picks {
            let saved = x[i]
            x[i] = saved + h
            let up = loss(x)
            x[i] = saved - h
            let down = loss(x)
            x[i] = saved
            let numeric = Float((up - down) / Double(2 * h))
            worst = max(worst, abs(numeric - analytic[i]) / scale)
        }
        XCTAssertLessThanOrEqual(
            worst, 1e-3, "\(name): finite-difference mismatch \(worst) relative to max |g| \(scale)", file: file,
            line: line)
    }

    func dot(_ a: [Float], _ b: [Float]) -> Double { zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) } }

    func testLinear() {
        let (r, i, o) = (5, 7, 6)
        var x = randoms(r * i), w = randoms(o * i), b = randoms(o)
        let probe = randoms(r * o)
        func forward(_ x: [Float], _ w: [Float], _ b: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: r * o)
            LinearLayer.forward(&out, x, weight: w, bias: b, rows: r, inputs: i, outputs: o)
            return out
        }
        var dx = [Float](repeating: 0, count: r * i), dw = [Float](repeating: 0, count: o * i),
            db = [Float](repeating: 0, count: o)
        LinearLayer.backward(
            dinp: &dx, dweight: &dw, dbias: &db, dout: probe, inp: x, weight: w, rows: r, inputs: i, outputs: o)
        check("linear dx", &x, analytic: dx) { dot(forward($0, w, b), probe) }
        check("linear dW", &w, analytic: dw) { dot(forward(x, $0, b), probe) }
        check("linear db", &b, analytic: db) { dot(forward(x, w, $0), probe) }
    }

    func testLayerNorm() {
        let (r, c) = (4, 9)
        var x = randoms(r * c, scale: 2), gamma = randoms(c), beta = randoms(c)
        let probe = randoms(r * c)
        func forward(_ x: [Float], _ g: [Float], _ b: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: r * c), mean = [Float](repeating: 0, count: r), rstd = mean
            LayerNormLayer.forward(&out, mean: &mean, rstd: &rstd, x, gamma: g, beta: b, rows: r, width: c, eps: 1e-5)
            return out
        }
        var out = [Float](repeating: 0, count: r * c), mean = [Float](repeating: 0, count: r), rstd = mean
        LayerNormLayer.forward(
            &out, mean: &mean, rstd: &rstd, x, gamma: gamma, beta: beta, rows: r, width: c, eps: 1e-5)
        var dx = [Float](repeating: 0, count: r * c), dg = [Float](repeating: 0, count: c), db = dg
        LayerNormLayer.backward(
            dinp: &dx, dgamma: &dg, dbeta: &db, dout: probe, inp: x, gamma: gamma, mean: mean, rstd: rstd, rows: r,
            width: c)
        check("layerNorm dx", &x, analytic: dx, h: 1e-2) { dot(forward($0, gamma, beta), probe) }
        check("layerNorm dγ", &gamma, analytic: dg) { dot(forward(x, $0, beta), probe) }
        check("layerNorm dβ", &beta, analytic: db) { dot(forward(x, gamma, $0), probe) }
    }

    func testActivations() {
        for activation in [Activation.quickGELU, .gelu, .geluTanh] {
            var x = randoms(50, scale: 3)
            let probe = randoms(50)
            func forward(_ x: [Float]) -> [Float] {
                var out = [Float](repeating: 0, count: x.count)
                ActivationLayer.forward(&out, x, count: x.count, activation: activation)
                return out
            }
            var dx = [Float](repeating: 0, count: 50)
            ActivationLayer.backward(dinp: &dx, inp: x, dout: probe, count: 50, activation: activation)
            check("\(activation) dx", &x, analytic: dx, h: 1e-3) { dot(forward($0), probe) }
        }
    }

    func testAttention() {
        for causal in [false, true] {
            let (b, t, c, heads) = (2, 5, 8, 2)
            var qkv = randoms(b * t * 3 * c)
            let probe = randoms(b * t * c)
            func forward(_ qkv: [Float]) -> [Float] {
                var out = [Float](repeating: 0, count: b * t * c),
                    probs = [Float](repeating: 0, count: b * heads * t * t)
                AttentionLayer.forward(
                    &out, probs: &probs, qkv: qkv, batch: b, tokens: t, width: c, heads: heads, causal: causal)
                return out
            }
            var out = [Float](repeating: 0, count: b * t * c), probs = [Float](repeating: 0, count: b * heads * t * t)
            AttentionLayer.forward(
                &out, probs: &probs, qkv: qkv, batch: b, tokens: t, width: c, heads: heads, causal: causal)
            var dqkv = [Float](repeating: .nan, count: b * t * 3 * c)
            AttentionLayer.backward(
                dqkv: &dqkv, dout: probe, qkv: qkv, probs: probs, batch: b, tokens: t, width: c, heads: heads)
            check("attention (causal: \(causal)) dqkv", &qkv, analytic: dqkv, samples: 80) { dot(forward($0), probe) }
            if causal {
                // The first query attends only to itself: its probabilities are one-hot, and later positions
                // get no gradient from it.
                XCTAssertEqual(probs[0], 1, accuracy: 1e-6)
                XCTAssertEqual(probs[1], 0)
            }
        }
    }

    func testEmbeddings() {
        let (b, tokens, c, vocab) = (2, 4, 3, 10)
        var patches = randoms(b * (tokens - 1) * c), cls = randoms(c), pos = randoms(tokens * c)
        let probe = randoms(b * tokens * c)
        func vision(_ patches: [Float], _ cls: [Float], _ pos: [Float]) -> [Float] {
            var x = [Float](repeating: 0, count: b * tokens * c)
            EmbeddingLayers.visionForward(
                &x, patches: patches, classEmbedding: cls, positions: pos, batch: b, tokens: tokens, width: c)
            return x
        }
        var dpatches = [Float](repeating: 0, count: patches.count), dcls = [Float](repeating: 0, count: c),
            dpos = [Float](repeating: 0, count: pos.count)
        EmbeddingLayers.visionBackward(
            dpatches: &dpatches, dclass: &dcls, dpositions: &dpos, dx: probe, batch: b, tokens: tokens, width: c)
        check("vision patches", &patches, analytic: dpatches) { dot(vision($0, cls, pos), probe) }
        check("class embedding", &cls, analytic: dcls) { dot(vision(patches, $0, pos), probe) }
        check("vision positions", &pos, analytic: dpos) { dot(vision(patches, cls, $0), probe) }

        let ids: [Int32] = [1, 7, 7, 9, 0, 3, 9, 2]  // a repeated token must collect both gradients
        var table = randoms(vocab * c), tpos = randoms(tokens * c)
        func text(_ table: [Float], _ pos: [Float]) -> [Float] {
            var x = [Float](repeating: 0, count: b * tokens * c)
            EmbeddingLayers.textForward(
                &x, ids: ids, tokenEmbedding: table, positions: pos, batch: b, tokens: tokens, width: c)
            return x
        }
        var dtable = [Float](repeating: 0, count: table.count), dtpos = [Float](repeating: 0, count: tpos.count)
        EmbeddingLayers.textBackward(
            dtokenEmbedding: &dtable, dpositions: &dtpos, dx: probe, ids: ids, batch: b, tokens: tokens, width: c)
        check("token embedding", &table, analytic: dtable) { dot(text($0, tpos), probe) }
        check("text positions", &tpos, analytic: dtpos) { dot(text(table, $0), probe) }
    }

    func testL2Normalize() {
        let (r, d) = (3, 6)
        var x = randoms(r * d)
        let probe = randoms(r * d)
        func forward(_ x: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: r * d), norms = [Float](repeating: 0, count: r)
            L2NormalizeLayer.forward(&out, norms: &norms, x, rows: r, width: d)
            return out
        }
        var out = [Float](repeating: 0, count: r * d), norms = [Float](repeating: 0, count: r)
        L2NormalizeLayer.forward(&out, norms: &norms, x, rows: r, width: d)
        var dx = [Float](repeating: 0, count: r * d)
        L2NormalizeLayer.backward(dinp: &dx, dout: probe, out: out, norms: norms, rows: r, width: d)
        check("l2 normalise dx", &x, analytic: dx, h: 1e-3) { dot(forward($0), probe) }
    }

    func testLosses() {
        for kind in LossKind.allCases {
            let (n, d) = (5, 4)
            func normalised(_ v: [Float]) -> [Float] {
                (0..<n).flatMap { r -> [Float] in
                    let row = Array(v[(r * d)..<((r + 1) * d)]), norm = row.map { $0 * $0 }.reduce(0, +).squareRoot()
                    return row.map { $0 / norm }
                }
            }
            var image = normalised(randoms(n * d)), text = normalised(randoms(n * d))
            var scaleAndBias: [Float] = [kind == .clip ? 2.0 : 1.5, -2]
            func loss(_ i: [Float], _ t: [Float], _ sb: [Float]) -> Double {
                var di = [Float](repeating: 0, count: n * d), dt = di
                return Double(
                    ContrastiveLoss.compute(
                        kind, image: i, text: t, count: n, dim: d, logitScale: sb[0], logitBias: sb[1], dImage: &di,
                        dText: &dt
                    ).loss)
            }
            var di = [Float](repeating: 0, count: n * d), dt = di
            let result = ContrastiveLoss.compute(
                kind, image: image, text: text, count: n, dim: d, logitScale: scaleAndBias[0],
                logitBias: scaleAndBias[1], dImage: &di, dText: &dt)
            check("\(kind) d image", &image, analytic: di, h: 1e-3) { loss($0, text, scaleAndBias) }
            check("\(kind) d text", &text, analytic: dt, h: 1e-3) { loss(image, $0, scaleAndBias) }
            let dsb = [result.dLogitScale, kind == .siglip ? result.dLogitBias : 0]
            if kind == .clip {
                var scaleOnly = [scaleAndBias[0]]
                check("clip d logit_scale", &scaleOnly, analytic: [dsb[0]], h: 1e-3) { loss(image, text, [$0[0], 0]) }
            } else {
                check("siglip d scale, bias", &scaleAndBias, analytic: dsb, h: 1e-3) { loss(image, text, $0) }
            }
        }
    }

    /// The input gradient through the whole image tower (patches, class token, ln_pre, blocks, ln_post,
    /// projection, L2-normalisation), as the lab's adversarial search uses it: the loss is a fixed direction
    /// in embedding space, probed at pixels of two images (the second image must not leak into the first's).
    func testImageTowerInputGradient() throws {
        let tower = TransformerConfig(width: 32, layers: 2, heads: 4, mlpWidth: 64, activation: .quickGELU)
        let config = CLIPConfig(
            vision: VisionConfig(transformer: tower, imageSize: 16, patchSize: 4),
            text: TextConfig(transformer: tower, contextLength: 8, vocabSize: 50), embedDim: 24)
        let model = try TrainableCLIP(config: config, seed: 3)
        var pixels = randoms(2 * 3 * 16 * 16)
        let probe = randoms(2 * 24)
        let (_, dPixels) = try model.imageGradient(
            pixels: Tensor(shape: [2, 3, 16, 16], values: pixels), dEmbeddings: probe)
        XCTAssertGreaterThan(dPixels.scalars.map(abs).max() ?? 0, 1e-4, "a gradient that is not all zero")
        // h = 3e-2, not the default 1e-2: from the sine–cosine position table the pixel gradients are small
        // (max 0.011) and float32 rounding in the forward dominates a finer difference (mismatch 3.6e-3 of the
        // largest gradient at h = 4e-3, 1.9e-3 at 1e-2, under the 1e-3 bound at 3e-2).
        check("image tower d pixels", &pixels, analytic: dPixels.scalars, samples: 60, h: 3e-2) { x in
            dot((try? model.imageEmbeddings(pixels: Tensor(shape: [2, 3, 16, 16], values: x))) ?? [], probe)
        }
    }

}
