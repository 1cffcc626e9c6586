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
        scratch: GEMMScratch? = nil
    ) {
        guard m > 0 else { return }
        let k = w.inFeatures, n = w.outFeatures
        let epilogue = clip_epilogue(bias: bias, activation: activation.map(\.kernelCode) ?? Int32(CLIP_ACTIVATION_NONE),
                                     accumulate: accumulate ? 1 : 0)
        switch w.format {
        case .fp32, .auto:
            if let kernels = w.kernels.fp32 {
                forEachStrip(w.panels) { p0, p1 in
                    kernels.gemm(x, ldx, m, w.data, k, n, p0, p1, c, ldc, epilogue)
                }
                return
            }
            PackedGEMM.multiply(x, ldx: ldx, rows: m, weights: w, into: c, ldc: ldc, accumulate: accumulate)
            if bias != nil || activation != nil {
                // Without the AVX-512 kernel the epilogue is a second pass; the residual is already in `c`
                // then, so an activation cannot come before it (no caller asks for both).
                precondition(ldc == n && !(accumulate && activation != nil), "fp32 fallback: bias/activation over a dense output, activation not with accumulate")
                if let bias {
                    ActivationKernel.biasActivation(c, rows: m, width: n, bias: bias, activation: activation)
                } else {
                    ActivationKernel.activate(c, count: m * n, activation: activation!)
                }
            }
        case .int8:
            let kernels = w.kernels.int8!
            let k4 = (k + 3) / 4, lda = k4 * 4
            let buffer = scratch ?? GEMMScratch()
            let (a, scales) = buffer.int8Rows(m, lda: lda)
            forEachRowBlock(m) { rows in
                kernels.quantize(x + rows.lowerBound * ldx, ldx, rows.count, k, a + rows.lowerBound * lda, lda, scales + rows.lowerBound)
            }
            forEachStrip(w.panels) { p0, p1 in
                kernels.gemm(a, lda, m, scales, w.int8, w.scales, w.compensation, k4, n, p0, p1, c, ldc, epilogue, nil, 0)
            }
        case .bf16:
            let kernels = w.kernels.bf16!
            let k2 = (k + 1) / 2, lda = k2 * 2
            let buffer = scratch ?? GEMMScratch()
            let a = buffer.bf16Rows(m, lda: lda)
            forEachRowBlock(m) { rows in
                kernels.convert(x + rows.lowerBound * ldx, ldx, rows.count, k, a + rows.lowerBound * lda, lda)
            }
            forEachStrip(w.panels) { p0, p1 in
                kernels.gemm(a, lda, m, w.bf16, k2, n, p0, p1, c, ldc, epilogue)
            }
        }
    }

    static func forEachRowBlock(_ m: Int, _ body: (Range<Int>) -> Void) {
        if m < parallelConversionRows {
            body(0..<m)
        } else {
            Parallelism.forEachChunk(m, minChunk: parallelConversionRows / 2, body)
        }
    }

    /// Splits `panels` into contiguous runs of whole 4-panel strips, one per thread.
    static func forEachStrip(_ panels: Int, _ body: (Int, Int) -> Void) {
        let strips = (panels + strip - 1) / strip
        Parallelism.forEachChunk(strips) { range in
            body(range.lowerBound * strip, min(panels, range.upperBound * strip))
        }
    }
}

extension Activation {
    var kernelCode: Int32 {
        switch self {
        case .quickGELU: return Int32(CLIP_ACTIVATION_QUICK_GELU)
        case .gelu: return Int32(CLIP_ACTIVATION_GELU)
        case .relu: return Int32(CLIP_ACTIVATION_RELU)
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
        return (base.bindMemory(to: UInt8.self, capacity: m * lda), (base + rowBytes).bindMemory(to: Float.self, capacity: m))
    }

    /// `m` rows of `lda` bf16 values.
    func bf16Rows(_ m: Int, lda: Int) -> UnsafeMutablePointer<UInt16> {
        bytes(2 * m * lda).bindMemory(to: UInt16.self, capacity: m * lda)
    }
}
