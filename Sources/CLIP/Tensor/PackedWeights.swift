import CKernels
import Foundation

/// A linear layer's weight `[N, K]` (PyTorch layout), repacked once at load time into the panel order its
/// GEMM kernel streams, in one of three formats:
/// - fp32: panel `p` holds, for each `k`, the 16 values `W[16p ..< 16p+16, k]` (`PackedGEMM`);
/// - bf16: the same panels with `k` in pairs, rounded to bfloat16 (one 64-byte load per `vdpbf16ps`);
/// - int8: `k` in quadruples, s8 with one symmetric scale per output channel, plus the `128·Σq` per channel
///   that the u8 activations' offset adds (one 64-byte load per `vpdpbusd`).
/// N is padded to a multiple of 16 with zeros. Packing at load time is what makes small batches fast: BLAS
/// libraries re-pack the weight matrix on every call, which dominates when there are few rows.
///
/// Immutable after `init`, hence `@unchecked Sendable`.
public final class PackedWeights: @unchecked Sendable {
    public static let panelWidth = 16
    public let outFeatures: Int
    public let inFeatures: Int
    /// The format it resolved to and runs in. It is `requestedFormat` unless the kernel table has no kernel
    /// for that, in which case it is fp32.
    public let format: WeightFormat
    /// The format the caller asked for (`auto` is not resolved here, where no accuracy bar is known: it packs
    /// as fp32; `LinearPacking` resolves it for a model).
    public let requestedFormat: Precision
    /// The kernels this weight runs on (chosen when it was packed).
    let kernels: KernelTable
    let panels: Int
    /// fp32 panels (nil for the other formats).
    let data: UnsafeMutablePointer<Float>!
    let bf16: UnsafeMutablePointer<UInt16>!
    let int8: UnsafeMutablePointer<Int8>!
    /// int8 only: per-output-channel scales and offset compensation, `[N]` each.
    let scales: UnsafeMutablePointer<Float>!
    let compensation: UnsafeMutablePointer<Int32>!
    private let raw: UnsafeMutableRawPointer
    private let rawBytes: Int

    /// Packs `weight` in `format`, or in fp32 when `kernels` has no kernel for that format.
    public init(_ weight: Tensor, format requested: Precision = .fp32, kernels: KernelTable = .current) {
        precondition(weight.shape.count == 2, "packed weights must be 2-D, got \(weight.shape)")
        let n = weight.shape[0], k = weight.shape[1], w = Self.panelWidth
        let format = requested.format.flatMap { kernels.has($0) ? $0 : nil } ?? .fp32
        outFeatures = n
        inFeatures = k
        panels = (n + w - 1) / w
        self.format = format
        requestedFormat = requested
        self.kernels = kernels
        switch format {
        case .int8:
            let k4 = (k + 3) / 4, bytes = panels * k4 * 64
            rawBytes = bytes + 8 * n
            raw = LargeAllocation.allocate(rawBytes)
            let packed = raw.bindMemory(to: Int8.self, capacity: bytes)
            let channelScales = (raw + bytes).bindMemory(to: Float.self, capacity: n)
            let channelSums = (raw + bytes + 4 * n).bindMemory(to: Int32.self, capacity: n)
            // Rows are independent: whole panels per chunk, across the threads (a large model's load time). Each
            // chunk writes every byte of its panels, padding included.
            GEMM.split(panels, minChunk: 8, serial: false) { chunk in
                clip_pack_s8_rows(
                    weight.data, n, k, chunk.lowerBound * w, min(n, chunk.upperBound * w), packed, channelScales,
                    channelSums)
            }
            int8 = packed
            scales = channelScales
            compensation = channelSums
            data = nil
            bf16 = nil
        case .bf16:
            let k2 = (k + 1) / 2
            rawBytes = panels * k2 * 64
            raw = LargeAllocation.allocate(rawBytes)
            bf16 = raw.bindMemory(to: UInt16.self, capacity: panels * k2 * 32)
            clip_pack_bf16(weight.data, n, k, bf16)
            data = nil
            int8 = nil
            scales = nil
            compensation = nil
        case .fp32:
            rawBytes = panels * k * w * 4
            raw = LargeAllocation.allocate(rawBytes)
            let panelData = raw.bindMemory(to: Float.self, capacity: panels * k * w)
            GEMM.split(panels, minChunk: 8, serial: false) { chunk in
                for p in chunk {
                    let panel = panelData + p * k * w
                    // Only the last panel has channels past N, which stay zero.
                    if n - p * w < w { panel.initialize(repeating: 0, count: k * w) }
                    for j in 0..<min(w, n - p * w) {
                        let row = weight.data + (p * w + j) * k
                        for kk in 0..<k { panel[kk * w + j] = row[kk] }
                    }
                }
            }
            data = panelData
            bf16 = nil
            int8 = nil
            scales = nil
            compensation = nil
        }
    }

    deinit { LargeAllocation.free(raw, bytes: rawBytes) }

    /// The GEMM kernel that runs this weight, as `clip bench --kernels` names it.
    public var kernelName: String { kernels.kernelName(for: format) }

    /// Bytes held, for memory reports.
    public var byteCount: Int { rawBytes }
}
