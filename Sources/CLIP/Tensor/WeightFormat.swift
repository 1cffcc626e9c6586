/// The number format a packed weight was resolved to and runs in: what `Precision` (the request, `auto`
/// included) became on a kernel table. Having no `auto` case, a weight's format cannot be an unresolved
/// request, so the GEMM dispatch and kernel names need no case for one.
public enum WeightFormat: String, CaseIterable, Codable, Sendable {
    case fp32, bf16, int8

    /// The request that asks for exactly this format.
    public var precision: Precision {
        switch self {
        case .fp32: return .fp32
        case .bf16: return .bf16
        case .int8: return .int8
        }
    }
}

extension Precision {
    /// The one format this request names; nil for `auto`, which a kernel table resolves (`resolved(on:)`).
    public var format: WeightFormat? {
        switch self {
        case .fp32: return .fp32
        case .bf16: return .bf16
        case .int8: return .int8
        case .auto: return nil
        }
    }
}
