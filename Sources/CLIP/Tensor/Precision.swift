/// The number format a user asks for, for the linear layers in both towers' residual blocks; what runs is
/// a `WeightFormat`, resolved on a kernel table (`resolved(on:)`).
///
/// - `fp32`: the reference numbers (the default; see docs/precision.md).
/// - `bf16`: weights and activations rounded to bfloat16, fp32 accumulation (AVX512-BF16).
/// - `int8`: symmetric s8 weights per output channel, dynamic u8 activations per token row, s32
///   accumulation (AMX, AVX512-VNNI or AVX2).
/// - `auto`: the fastest of these that this CPU runs and that meets the accuracy bar: int8, else bf16,
///   else fp32.
/// Attention, LayerNorm and the embedding head stay fp32 in every mode; the patch embedding is bf16 in the
/// reduced modes when the CPU has bf16, else fp32 (`PackedWeights.format` and `clip bench --kernels` say).
public enum Precision: String, CaseIterable, Codable, Sendable {
    case fp32, bf16, int8, auto

    /// The format that will run on `kernels`, and a one-line notice when it is not the one asked for.
    public func resolved(on kernels: KernelTable = .current) -> (format: WeightFormat, notice: String?) {
        guard let asked = format else {
            return ([WeightFormat.int8, .bf16].first(where: kernels.has) ?? .fp32, nil)
        }
        if kernels.has(asked) { return (asked, nil) }
        let note = "note: this CPU lacks \(instructions) (has: \(kernels.features)); running \(rawValue) layers in fp32"
        return (.fp32, note)
    }

    /// The instructions its kernel needs, for messages.
    public var instructions: String {
        switch self {
        case .int8: return "AVX2"
        case .bf16: return "AVX512-BF16"
        case .fp32, .auto: return "AVX2 or nothing"
        }
    }
}
