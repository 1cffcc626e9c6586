/// How a model's residual-block linear layers are packed: the precision that will actually run (after the
/// CPU check) and the kernel table that runs it. The embedding head stays fp32; the patch embedding asks
/// for bf16 in the reduced modes, and is fp32 where the CPU has no bf16 kernel (see `packPatch`).
public struct LinearPacking: Sendable {
    /// The format the residual blocks run in (what the request resolved to on `kernels`).
    public let format: WeightFormat
    /// `format` as a request, for the model's spec and names (never `auto`).
    public var precision: Precision { format.precision }
    let kernels: KernelTable
    /// int8 only: fold each LayerNorm's per-channel scale into the linear layer that reads it
    /// (`ActivationSmoothing`), so outlier channels do not swamp the per-token activation scale.
    let smoothing: Bool

    /// `requested` resolved on `kernels`; `notice` says so when the CPU forced fp32.
    public init(_ requested: Precision, kernels: KernelTable = .current, smoothing: Bool = true) {
        let (resolved, notice) = requested.resolved(on: kernels)
        format = resolved
        self.notice = notice
        self.kernels = kernels
        self.smoothing = smoothing
    }

    /// Set when the requested precision is not available on this CPU (one line, for stderr).
    public let notice: String?

    public static let fp32 = LinearPacking(.fp32)

    func pack(_ weight: Tensor) -> PackedWeights {
        PackedWeights(weight, format: precision, kernels: kernels)
    }

    /// The patch embedding (the image tower's first layer, 10% of ViT-B/32's fp32 time at batch 1) asks for
    /// bf16 whenever the blocks run reduced: its 8-bit mantissa keeps the pixels' precision, which an int8
    /// scale per patch would not for dark or flat patches. On a table without bf16 (an Intel Xeon with
    /// AVX512-VNNI but no AVX512-BF16, while the blocks run int8) `PackedWeights` resolves it to fp32 on the
    /// fast fp32 kernel; its `format` and `clip bench --kernels` say which ran.
    func packPatch(_ weight: Tensor) -> PackedWeights {
        PackedWeights(weight, format: format == .fp32 ? .fp32 : .bf16, kernels: kernels)
    }
}

extension ResidualBlockWeights {
    /// Packs a block's four linear layers with `packing`, from fp32 tensors (as read from any checkpoint
    /// dtype). For int8, `ln_1`/`ln_2` are first folded into the QKV and MLP-in weights.
    init(
        packing: LinearPacking, ln1: LayerNormWeights, qkvWeight: Tensor, qkvBias: Tensor,
        outWeight: Tensor, outBias: Tensor,
        ln2: LayerNormWeights, fcWeight: Tensor, fcBias: Tensor, projWeight: Tensor, projBias: Tensor
    ) {
        var ln1 = ln1, ln2 = ln2, qkv = qkvWeight, fc = fcWeight
        if packing.format == .int8 && packing.smoothing {
            (ln1, qkv) = ActivationSmoothing.fold(ln1, into: qkvWeight)
            (ln2, fc) = ActivationSmoothing.fold(ln2, into: fcWeight)
        }
        self.init(
            ln1: ln1, qkvWeight: packing.pack(qkv), qkvBias: qkvBias,
            outWeight: packing.pack(outWeight), outBias: outBias,
            ln2: ln2, fcWeight: packing.pack(fc), fcBias: fcBias,
            projWeight: packing.pack(projWeight), projBias: projBias)
    }
}
