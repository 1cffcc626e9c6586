/// A linear layer's weight `[N, K]` (PyTorch layout), repacked once at load time into the panel order the
/// GEMM micro-kernel streams: panel `p` holds, for each `k`, the 16 values `W[16p ..< 16p+16, k]`.
/// N is padded to a multiple of 16 with zeros. Packing at load time is what makes small batches fast:
/// BLAS libraries re-pack the weight matrix on every call, which dominates when there are few rows.
public final class PackedWeights: @unchecked Sendable {
    public static let panelWidth = 16
    public let outFeatures: Int
    public let inFeatures: Int
    let panels: Int
    let data: UnsafeMutablePointer<Float>
    private let storage: Tensor

    public init(_ weight: Tensor) {
        precondition(weight.shape.count == 2, "packed weights must be 2-D, got \(weight.shape)")
        let n = weight.shape[0], k = weight.shape[1], w = Self.panelWidth
        outFeatures = n
        inFeatures = k
        panels = (n + w - 1) / w
        storage = Tensor(zeros: [panels * k * w])
        data = storage.data
        for p in 0..<panels {
            let panel = data + p * k * w
            for j in 0..<min(w, n - p * w) {
                let row = weight.data + (p * w + j) * k
                for kk in 0..<k { panel[kk * w + j] = row[kk] }
            }
        }
    }
}
