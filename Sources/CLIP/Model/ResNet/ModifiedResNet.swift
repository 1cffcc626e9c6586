import Foundation

/// OpenAI's ModifiedResNet image tower (open_clip `modified_resnet.py`): a stem of three 3×3 convolutions
/// (the first strided) and a 2×2 average pool; four stages of bottlenecks that stride by average-pooling
/// after their 3×3 convolution (anti-aliased) and on the shortcut; then an attention pool: the mean of
/// the final grid joins it as an extra token, positions are added, and one multi-head attention step whose
/// only query is that mean token gives the embedding (`c_proj`). Only that query is computed.
///
/// Activations are channels-last (NHWC), so a 1×1 convolution is one GEMM over the pixels and a 3×3 one is
/// im2col + the same GEMM; BatchNorm is folded into the convolutions at load.
public final class ModifiedResNet: ImageTower, @unchecked Sendable {
    public let config: ResNetConfig
    public let embedDim: Int
    let weights: ResNetWeights
    private let lock = NSLock()
    private var idle: [Workspace] = []

    /// Images per pass: bounds activation memory (RN50 at 224 px: 6 MB per image per buffer).
    static let imagesPerPass = 8

    public var towerConfig: ImageTowerConfig { .modifiedResNet(config) }

    public var packedLayers: [PackedLayer] {
        var layers = weights.stem.enumerated().map {
            PackedLayer("stem.\($0.offset)", part: "convolutions", $0.element.weights)
        }
        for (s, stage) in weights.stages.enumerated() {
            for (b, block) in stage.enumerated() {
                let convolutions =
                    [("conv1", block.conv1), ("conv2", block.conv2), ("conv3", block.conv3)]
                    + (block.downsample.map { [("downsample", $0)] } ?? [])
                layers += convolutions.map {
                    PackedLayer("layer\(s + 1).\(b).\($0.0)", part: "convolutions", $0.1.weights)
                }
            }
        }
        return layers + [
            PackedLayer("attnpool.q_proj", part: "attention pool", weights.query),
            PackedLayer("attnpool.c_proj", part: "attention pool", weights.output)
        ]
    }

    init(config: ResNetConfig, embedDim: Int, weights: ResNetWeights) {
        self.config = config
        self.embedDim = embedDim
        self.weights = weights
    }

    /// (No transformer blocks: `observer` is never called.)
    public func embed(pixels: Tensor, normalize: Bool, observer: BlockObserver?) throws -> Tensor {
        try checkPixels(pixels)
        let batch = pixels.shape[0], s = config.imageSize
        let out = Tensor(uninitialized: [batch, embedDim])
        let workspace = lock.withLock { idle.popLast() } ?? Workspace(config, images: Self.imagesPerPass)
        defer { lock.withLock { idle.append(workspace) } }
        for start in stride(from: 0, to: batch, by: Self.imagesPerPass) {
            let n = min(Self.imagesPerPass, batch - start)
            forward(pixels.data + start * 3 * s * s, images: n, ws: workspace, into: out.data + start * embedDim)
        }
        if normalize { Normalize.l2Rows(out.data, rows: batch, width: embedDim) }
        return out
    }

    /// Buffers for one pass of up to `images` images, each as large as the largest activation.
    final class Workspace {
        let x, y, t1, t2, pooled: UnsafeMutablePointer<Float>
        let scratch = GEMMScratch()
        private let capacity: Int

        init(_ config: ResNetConfig, images: Int) {
            let s = config.imageSize, half = s / 2, w = config.width
            var largest = max(3 * s * s, w * half * half)
            var side = half / 2, inplanes = w
            for stage in 0..<4 {
                let planes = w << stage, out = stage == 0 ? side : side / 2
                largest = max(largest, inplanes * side * side, planes * side * side, planes * 4 * out * out)
                side = out
                inplanes = planes * 4
            }
            largest = max(largest, (config.grid * config.grid + 1) * config.poolWidth)
            capacity = images * largest
            (x, y, t1, t2, pooled) = (
                .allocate(capacity: capacity), .allocate(capacity: capacity), .allocate(capacity: capacity),
                .allocate(capacity: capacity), .allocate(capacity: capacity)
            )
        }

        deinit { for buffer in [x, y, t1, t2, pooled] { buffer.deallocate() } }
    }

    private func forward(
        _ pixels: UnsafePointer<Float>, images n: Int, ws: Workspace, into out: UnsafeMutablePointer<Float>
    ) {
        let s = config.imageSize
        // Stem.
        ConvolutionKernels.channelsLast(pixels, n: n, channels: 3, h: s, w: s, into: ws.t1)
        let stem = weights.stem
        stem[0].forward(ws.t1, n: n, h: s, w: s, into: ws.t2, activation: .relu, scratch: ws.scratch)
        var side = stem[0].outputSide(s)
        stem[1].forward(ws.t2, n: n, h: side, w: side, into: ws.t1, activation: .relu, scratch: ws.scratch)
        stem[2].forward(ws.t1, n: n, h: side, w: side, into: ws.t2, activation: .relu, scratch: ws.scratch)
        ConvolutionKernels.averagePool(
            ws.t2, n: n, h: side, w: side, channels: stem[2].outChannels, window: 2, into: ws.x)
        side /= 2
        // Stages: `x` holds the running activation, `y` the next one when a block has a shortcut convolution.
        var x = ws.x, y = ws.y
        for stage in weights.stages {
            for block in stage {
                let inC = block.conv1.inChannels, planes = block.conv1.outChannels
                block.conv1.forward(x, n: n, h: side, w: side, into: ws.t1, activation: .relu, scratch: ws.scratch)
                block.conv2.forward(ws.t1, n: n, h: side, w: side, into: ws.t2, activation: .relu, scratch: ws.scratch)
                var branch = ws.t2
                let outSide = side / block.stride
                if block.stride > 1 {
                    ConvolutionKernels.averagePool(
                        ws.t2, n: n, h: side, w: side, channels: planes, window: block.stride, into: ws.t1)
                    branch = ws.t1
                }
                var target = x  // the shortcut is the input itself: the residual add happens in place
                if let downsample = block.downsample {
                    var shortcut = UnsafePointer(x)
                    if block.stride > 1 {
                        ConvolutionKernels.averagePool(
                            x, n: n, h: side, w: side, channels: inC, window: block.stride, into: ws.pooled)
                        shortcut = UnsafePointer(ws.pooled)
                    }
                    downsample.forward(
                        shortcut, n: n, h: outSide, w: outSide, into: y, activation: nil, scratch: ws.scratch)
                    target = y
                }
                block.conv3.forward(
                    branch, n: n, h: outSide, w: outSide, into: target, activation: .relu, residual: true,
                    scratch: ws.scratch)
                if target == y { swap(&x, &y) }
                side = outSide
            }
        }
        attentionPool(x, images: n, ws: ws, into: out)
    }

    /// The mean token attends to itself and the grid; returns `c_proj` of its output, per image. Only the
    /// mean token's query is needed (`SingleQueryAttention`: RN50 8 M multiply-adds instead of 420 M).
    private func attentionPool(
        _ x: UnsafePointer<Float>, images n: Int, ws: Workspace, into out: UnsafeMutablePointer<Float>
    ) {
        let c = config.poolWidth, g2 = config.grid * config.grid, tokens = g2 + 1
        let heads = config.heads, hd = c / heads
        let t = ws.t1, pos = weights.positions.data
        for image in 0..<n {
            let grid = x + image * g2 * c, dst = t + image * tokens * c
            for ch in 0..<c {
                var sum: Float = 0
                for j in 0..<g2 { sum += grid[j * c + ch] }
                dst[ch] = sum / Float(g2) + pos[ch]
            }
            for j in 0..<g2 {
                for ch in 0..<c { dst[(j + 1) * c + ch] = grid[j * c + ch] + pos[(j + 1) * c + ch] }
            }
        }
        let q = ws.t2, attended = ws.y
        GEMM.multiply(
            t, ldx: tokens * c, rows: n, weights: weights.query, into: q, ldc: c, accumulate: false,
            bias: weights.queryBias.data, activation: nil, scratch: ws.scratch)
        // The query through each head's key rows is the probe (per image: the query depends on it).
        let key = weights.key.data, scale = 1 / Float(hd).squareRoot()
        SingleQueryAttention.attend(
            t, images: n, tokens: tokens, width: c, heads: heads,
            probe: { image, h, scratch in
                BLAS.gemv(
                    transposed: true, key + h * hd * c, rows: hd, columns: c, lda: c, q + image * c + h * hd,
                    into: scratch, alpha: scale)
                return UnsafePointer(scratch)
            }, value: weights.value.data, valueBias: weights.valueBias.data, into: attended)
        GEMM.multiply(
            attended, ldx: c, rows: n, weights: weights.output, into: out, ldc: embedDim, accumulate: false,
            bias: weights.outputBias.data, activation: nil, scratch: ws.scratch)
    }
}
