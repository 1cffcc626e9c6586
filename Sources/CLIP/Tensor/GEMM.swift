import CKernels
import Foundation

/// The one GEMM entry point of the model: `C[M, N] = act(X[M, K] · Wᵀ + bias) (+ C)`, dispatched on the format
/// of `W` to the kernel it was packed for (`KernelTable`).
///
/// - fp32 runs the AVX-512 C kernel where the CPU has it (bias and activation in its output pass), else
///   `PackedGEMM` (Swift SIMD), then one fused bias + activation pass.
/// - bf16 and int8 first convert the activation rows (to bf16, or to u8 with one scale per row), then run the
///   C kernels over 4-panel strips split across threads; dequantization, bias, activation and the residual
///   add all happen in the kernel's output pass, so the result is written once.
///
/// `scratch` holds the converted activations; pass a long-lived one (the forward pass's workspace) so the
/// hot path does not allocate.
public enum GEMM {
    /// Output panels per unit of thread work: the C micro-kernel covers 4 panels (64 channels) at a time.
    static let strip = 4
    /// Below this many rows, converting the activations on the calling thread is cheaper than waking the
    /// others (a 64 × 3072 row block converts in a few microseconds).
    static let parallelConversionRows = 64

    static func multiply(
        _ x: UnsafePointer<Float>, ldx: Int, rows m: Int,
        weights w: PackedWeights,
        into c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool,
        bias: UnsafePointer<Float>? = nil, activation: Activation? = nil,
        scratch: GEMMScratch? = nil, serial: Bool = false, activateAfterAccumulate: Bool = false
    ) {
        guard m > 0 else { return }
        let k = w.inFeatures, n = w.outFeatures
        let epilogue = clip_epilogue(
            bias: bias,
            activation: activation.map(\.kernelCode) ?? Int32(CLIP_ACTIVATION_NONE),
            accumulate: accumulate ? (activateAfterAccumulate ? 2 : 1) : 0)
        switch w.format {
        case .fp32:
            if let kernels = w.kernels.fp32 {
                forEachTile(m, w.panels, serial: serial) { rows, p0, p1 in
                    kernels.gemm(
                        x + rows.lowerBound * ldx, ldx, rows.count, w.data, k, n, p0, p1,
                        c + rows.lowerBound * ldc, ldc, epilogue)
                }
                return
            }
            PackedGEMM.multiply(
                x, ldx: ldx, rows: m, weights: w, into: c, ldc: ldc,
                accumulate: accumulate, serial: serial)
            if bias != nil || activation != nil {
                // Without the AVX-512 kernel the epilogue is a second pass; the residual is already in `c`
                // then, so an activation can only come after it.
                precondition(
                    ldc == n && !(accumulate && activation != nil && !activateAfterAccumulate),
                    "fp32 fallback: bias/activation over a dense output, "
                        + "an activation only after the residual")
                if let bias {
                    ActivationKernel.biasActivation(
                        c, rows: m, width: n, bias: bias, activation: activation,
                        serial: serial)
                } else {
                    ActivationKernel.activate(c, count: m * n, activation: activation!, serial: serial)
                }
            }
        case .int8:
            let kernels = w.kernels.int8!
            let k4 = (k + 3) / 4, lda = k4 * 4
            let buffer = scratch ?? GEMMScratch()
            let (a, scales) = buffer.int8Rows(m, lda: lda)
            forEachRowBlock(m, serial: serial) { rows in
                kernels.quantize(
                    x + rows.lowerBound * ldx, ldx, rows.count, k, a + rows.lowerBound * lda, lda,
                    scales + rows.lowerBound)
            }
            forEachTile(m, w.panels, serial: serial) { rows, p0, p1 in
                kernels.gemm(
                    a + rows.lowerBound * lda, lda, rows.count, scales + rows.lowerBound,
                    w.int8, w.scales, w.compensation, k4, n,
                    p0, p1, c + rows.lowerBound * ldc, ldc, epilogue, nil, 0)
            }
        case .bf16:
            let kernels = w.kernels.bf16!
            let k2 = (k + 1) / 2, lda = k2 * 2
            let buffer = scratch ?? GEMMScratch()
            let a = buffer.bf16Rows(m, lda: lda)
            forEachRowBlock(m, serial: serial) { rows in
                kernels.convert(x + rows.lowerBound * ldx, ldx, rows.count, k, a + rows.lowerBound * lda, lda)
            }
            forEachTile(m, w.panels, serial: serial) { rows, p0, p1 in
                kernels.gemm(
                    a + rows.lowerBound * lda, lda, rows.count, w.bf16, k2, n, p0, p1,
                    c + rows.lowerBound * ldc, ldc, epilogue)
            }
        }
    }

    /// Runs `body` over `count` items split across the threads, or all on this thread when `serial` (a
    /// caller that already runs one piece of work per thread, as the convolutions do).
    static func split(_ count: Int, minChunk: Int = 1, serial: Bool, _ body: (Range<Int>) -> Void) {
        if serial { body(0..<count) } else { Parallelism.forEachChunk(count, minChunk: minChunk, body) }
    }

    static func forEachRowBlock(_ m: Int, serial: Bool = false, _ body: (Range<Int>) -> Void) {
        if m < parallelConversionRows || serial {
            body(0..<m)
        } else {
            Parallelism.forEachChunk(m, minChunk: parallelConversionRows / 2, body)
        }
    }

    /// Splits the output into tiles for the threads: contiguous runs of whole 4-panel strips over all rows;
    /// and, when there are too few strips to share out evenly (a convolution's 64 or 128 channels over
    /// thousands of pixels), also into as many row blocks as threads (multiples of the kernels' 6 rows).
    static func forEachTile(_ m: Int, _ panels: Int, serial: Bool = false, _ body: (Range<Int>, Int, Int) -> Void) {
        if serial {
            body(0..<m, 0, panels)
            return
        }
        let strips = (panels + strip - 1) / strip, threads = Parallelism.threads
        let rowBlocks = threads > 1 && m >= 192 && strips < 4 * threads ? threads : 1
        let rowsPerBlock = ((m + rowBlocks - 1) / rowBlocks + 5) / 6 * 6
        Parallelism.forEachChunk(strips * rowBlocks) { range in
            // One kernel call per row block, over this thread's run of its strips: the kernel orders its
            // tiles (rows, then strips) better than a call per strip would.
            var unit = range.lowerBound
            while unit < range.upperBound {
                let block = unit / strips, first = unit % strips
                let last = min(strips, first + (range.upperBound - unit))
                let rows = (block * rowsPerBlock)..<min(m, (block + 1) * rowsPerBlock)
                if !rows.isEmpty { body(rows, first * strip, min(panels, last * strip)) }
                unit += last - first
            }
        }
    }
}

extension Activation {
    var kernelCode: Int32 {
        switch self {
        case .quickGELU: return Int32(CLIP_ACTIVATION_QUICK_GELU)
        case .gelu: return Int32(CLIP_ACTIVATION_GELU)
        case .relu: return Int32(CLIP_ACTIVATION_RELU)
        case .geluTanh: return Int32(CLIP_ACTIVATION_GELU_TANH)
        }
    }
}

/// Reusable buffers for converted activations, grown to the largest GEMM seen. One per forward pass (not
/// shared between concurrent callers).
public final class GEMMScratch {
    private var raw: UnsafeMutableRawPointer?
    private var capacity = 0

    public init() {}

    deinit { if let raw { LargeAllocation.free(raw, bytes: capacity) } }

    private func bytes(_ count: Int) -> UnsafeMutableRawPointer {
        if count > capacity {
            if let raw { LargeAllocation.free(raw, bytes: capacity) }
            capacity = count
            raw = LargeAllocation.allocate(count)
        }
        return raw!
    }

    /// `m` rows of `lda` u8 values, then `m` float scales.
    func int8Rows(_ m: Int, lda: Int) -> (UnsafeMutablePointer<UInt8>, UnsafeMutablePointer<Float>) {
        let rowBytes = (m * lda + 63) / 64 * 64
        let base = bytes(rowBytes + 4 * m)
        return (
            base.bindMemory(to: UInt8.self, capacity: m * lda),
            (base + rowBytes).bindMemory(to: Float.self, capacity: m)
        )
    }

    /// `m` rows of `lda` bf16 values.
    func bf16Rows(_ m: Int, lda: Int) -> UnsafeMutablePointer<UInt16> {
        bytes(2 * m * lda).bindMemory(to: UInt16.self, capacity: m * lda)
    }
}
