import CKernels
import Foundation

/// The instruction-set features the kernels care about, as this CPU and OS provide them (cpuid + xgetbv).
///
/// `CLIP_CPU_FEATURES` (a comma list, e.g. `avx2,f16c`) masks what was detected, so a test or a user can run
/// the fallbacks of an older CPU on a newer one; it can never add a feature the CPU lacks.
public struct CPUFeatures: OptionSet, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let avx2 = CPUFeatures(rawValue: UInt32(CLIP_CPU_AVX2))
    public static let f16c = CPUFeatures(rawValue: UInt32(CLIP_CPU_F16C))
    /// AVX-512 F + BW + VL, with the OS saving the ZMM and opmask registers.
    public static let avx512 = CPUFeatures(rawValue: UInt32(CLIP_CPU_AVX512))
    public static let avx512VNNI = CPUFeatures(rawValue: UInt32(CLIP_CPU_AVX512_VNNI))
    public static let avx512BF16 = CPUFeatures(rawValue: UInt32(CLIP_CPU_AVX512_BF16))
    /// AMX int8 and bf16 tiles, the OS saving their state and (Linux) this process granted it. The int8 GEMM
    /// runs on the int8 tiles; the bf16 tiles are reported only.
    public static let amxInt8 = CPUFeatures(rawValue: UInt32(CLIP_CPU_AMX_INT8))
    public static let amxBF16 = CPUFeatures(rawValue: UInt32(CLIP_CPU_AMX_BF16))

    static let names: [(String, CPUFeatures)] = [
        ("avx2", .avx2), ("f16c", .f16c), ("avx512", .avx512), ("avx512vnni", .avx512VNNI), ("avx512bf16", .avx512BF16),
        ("amxint8", .amxInt8), ("amxbf16", .amxBF16),
    ]

    /// What the hardware reports, before any mask.
    public static let hardware = CPUFeatures(rawValue: UInt32(clip_cpu_features()))

    /// What the kernels may use: `hardware`, masked by `CLIP_CPU_FEATURES` when it is set.
    public static let detected = hardware.masked(by: ProcessInfo.processInfo.environment["CLIP_CPU_FEATURES"])

    /// Keeps only the features named in `list` (nil: keep all). Unknown names are ignored.
    public func masked(by list: String?) -> CPUFeatures {
        guard let list else { return self }
        let wanted = Set(list.lowercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        var kept: CPUFeatures = []
        for (name, feature) in Self.names where wanted.contains(name) { kept.insert(feature) }
        return intersection(kept)
    }

    public var description: String {
        let present = Self.names.filter { contains($0.1) }.map(\.0)
        return present.isEmpty ? "none" : present.joined(separator: ",")
    }
}
