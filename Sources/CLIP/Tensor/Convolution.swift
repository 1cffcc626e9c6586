import Foundation

/// A 2-D convolution over channels-last (NHWC) activations, run as im2col + the packed GEMM, with its
/// BatchNorm folded into the weights and bias (`ResNetWeights`). Padding is `kernel / 2` (PyTorch's
/// `padding=1` for 3×3, none for 1×1).
struct Convolution {
    /// `[out, kernel·kernel·in]`, each row in (ky, kx, channel) order: one im2col row times it.
    let weights: PackedWeights
    let bias: Tensor
    let kernel: Int
    let stride: Int
    let inChannels: Int
    var outChannels: Int { weights.outFeatures }

    /// Rows of the im2col matrix built at a time: bounds its memory (16 MiB) whatever the batch.
    static let maxColumnFloats = 1 << 22
    /// With enough output pixels, each thread builds and multiplies blocks of this many im2col floats
    /// (384 KiB): the rows are still in its L2 when the GEMM reads them.
    static let blockFloats = 96 << 10

    func outputSide(_ side: Int) -> Int { (side + 2 * (kernel / 2) - kernel) / stride + 1 }

    /// `out = act(conv(x) + bias)`, or with `residual`, `out = act(conv(x) + bias + out)`, for `n` images of
    /// `h`×`w`, `x` and `out` NHWC.
    func forward(
        _ x: UnsafePointer<Float>, n: Int, h: Int, w: Int, into out: UnsafeMutablePointer<Float>,
        activation: Activation?, residual: Bool = false, scratch: GEMMScratch
    ) {
        let accumulate = residual
        let ho = outputSide(h), wo = outputSide(w), rows = n * ho * wo
        if kernel == 1 && stride == 1 {
            GEMM.multiply(
                x, ldx: inChannels, rows: rows, weights: weights, into: out, ldc: outChannels, accumulate: accumulate,
                bias: bias.data, activation: activation, scratch: scratch, activateAfterAccumulate: residual)
            return
        }
        let width = kernel * kernel * inChannels
        let block = max(6, Self.blockFloats / width / 6 * 6), threads = Parallelism.threads
        if threads > 1 && rows >= 2 * threads * block {
            // One contiguous run of output pixels per thread, in L2-sized blocks: im2col, then the GEMM on
            // this thread alone (its own scratch for the int8/bf16 conversions).
            Parallelism.forEachChunk(rows, minChunk: block) { part in
                let columns = UnsafeMutablePointer<Float>.allocate(capacity: block * width)
                defer { columns.deallocate() }
                let own = GEMMScratch()
                for start in Swift.stride(from: part.lowerBound, to: part.upperBound, by: block) {
                    let count = min(block, part.upperBound - start)
                    ConvolutionKernels.im2col(
                        x, h: h, w: w, channels: inChannels, kernel: kernel, stride: stride, outH: ho, outW: wo,
                        rows: start..<(start + count), into: columns, serial: true)
                    GEMM.multiply(
                        columns, ldx: width, rows: count, weights: weights, into: out + start * outChannels,
                        ldc: outChannels,
                        accumulate: accumulate, bias: bias.data, activation: activation, scratch: own, serial: true,
                        activateAfterAccumulate: residual)
                }
            }
            return
        }
        let chunk = max(1, min(rows, Self.maxColumnFloats / width))
        let columns = UnsafeMutablePointer<Float>.allocate(capacity: chunk * width)
        defer { columns.deallocate() }
        for start in Swift.stride(from: 0, to: rows, by: chunk) {
            let count = min(chunk, rows - start)
            ConvolutionKernels.im2col(
                x, h: h, w: w, channels: inChannels, kernel: kernel, stride: stride, outH: ho, outW: wo,
                rows: start..<(start + count), into: columns)
            GEMM.multiply(
                columns, ldx: width, rows: count, weights: weights, into: out + start * outChannels, ldc: outChannels,
                accumulate: accumulate, bias: bias.data, activation: activation, scratch: scratch,
                activateAfterAccumulate: residual)
        }
    }
}

enum ConvolutionKernels {
    /// The im2col rows `rows` (output pixels, image-major) of a `kernel`×`kernel` convolution over NHWC `x`,
    /// zero-padded by `kernel / 2`: each row is the (ky, kx, channel) patch under one output pixel.
    static func im2col(
        _ x: UnsafePointer<Float>, h: Int, w: Int, channels c: Int, kernel k: Int, stride s: Int,
        outH: Int, outW: Int, rows: Range<Int>, into columns: UnsafeMutablePointer<Float>, serial: Bool = false
    ) {
        let pad = k / 2, width = k * k * c
        GEMM.split(rows.count, minChunk: 64, serial: serial) { part in
            for r in part {
                let row = rows.lowerBound + r
                let image = row / (outH * outW), oy = row / outW % outH, ox = row % outW
                let dst = columns + r * width
                for ky in 0..<k {
                    let iy = oy * s - pad + ky
                    for kx in 0..<k {
                        let ix = ox * s - pad + kx
                        let d = dst + (ky * k + kx) * c
                        if iy < 0 || iy >= h || ix < 0 || ix >= w {
                            d.initialize(repeating: 0, count: c)
                        } else {
                            d.update(from: x + ((image * h + iy) * w + ix) * c, count: c)
                        }
                    }
                }
            }
        }
    }

    /// Planar `[n, c, h, w]` pixels to channels-last `[n, h, w, c]` (the stem's input).
    static func channelsLast(
        _ x: UnsafePointer<Float>, n: Int, channels c: Int, h: Int, w: Int, into out: UnsafeMutablePointer<Float>
    ) {
        for image in 0..<n {
            for ch in 0..<c {
                let plane = x + (image * c + ch) * h * w
                let dst = out + image * h * w * c + ch
                for p in 0..<(h * w) { dst[p * c] = plane[p] }
            }
        }
    }

    /// `AvgPool2d(k)` (window and stride `k`, no padding, the remainder dropped) over NHWC.
    static func averagePool(
        _ x: UnsafePointer<Float>, n: Int, h: Int, w: Int, channels c: Int, window k: Int,
        into out: UnsafeMutablePointer<Float>
    ) {
        let ho = h / k, wo = w / k, scale = 1 / Float(k * k)
        Parallelism.forEachChunk(n * ho, minChunk: 4) { part in
            for r in part {
                let image = r / ho, oy = r % ho
                for ox in 0..<wo {
                    let dst = out + ((image * ho + oy) * wo + ox) * c
                    dst.initialize(repeating: 0, count: c)
                    for dy in 0..<k {
                        for dx in 0..<k {
                            let src = x + ((image * h + oy * k + dy) * w + ox * k + dx) * c
                            for ch in 0..<c { dst[ch] += src[ch] }
                        }
                    }
                    for ch in 0..<c { dst[ch] *= scale }
                }
            }
        }
    }
}
