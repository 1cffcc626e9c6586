import CKernels

/// The one place that decides which GEMM kernel runs for each weight format, filled once from the CPU's
/// features (ggml's per-type table in spirit). `PackedWeights` keeps the table it was packed for, so the GEMM
/// entry point dispatches on the weights alone, and a test can pack with `.reference` (the scalar kernels) or
/// with a feature set the CPU does not have.
public struct KernelTable: Sendable {
    typealias QuantizeRows =
        @convention(c) (
            UnsafePointer<Float>?, Int, Int, Int, UnsafeMutablePointer<UInt8>?, Int,
            UnsafeMutablePointer<Float>?
        ) -> Void
    typealias GEMMu8s8 =
        @convention(c) (
            UnsafePointer<UInt8>?, Int, Int, UnsafePointer<Float>?, UnsafePointer<Int8>?,
            UnsafePointer<Float>?, UnsafePointer<Int32>?, Int, Int, Int, Int,
            UnsafeMutablePointer<Float>?, Int, clip_epilogue,
            UnsafeMutablePointer<Int32>?, Int
        ) -> Void
    typealias ConvertRows =
        @convention(c) (
            UnsafePointer<Float>?, Int, Int, Int, UnsafeMutablePointer<UInt16>?,
            Int
        ) -> Void
    typealias GEMMf32 =
        @convention(c) (
            UnsafePointer<Float>?, Int, Int, UnsafePointer<Float>?, Int, Int, Int, Int,
            UnsafeMutablePointer<Float>?, Int, clip_epilogue
        ) -> Void
    typealias GEMMbf16 =
        @convention(c) (
            UnsafePointer<UInt16>?, Int, Int, UnsafePointer<UInt16>?, Int, Int, Int, Int,
            UnsafeMutablePointer<Float>?, Int, clip_epilogue
        ) -> Void

    struct Int8Kernels: @unchecked Sendable {
        let name: String
        let quantize: QuantizeRows
        let gemm: GEMMu8s8
    }

    struct FP32Kernels: @unchecked Sendable {
        let name: String
        let gemm: GEMMf32
    }

    struct BF16Kernels: @unchecked Sendable {
        let name: String
        let convert: ConvertRows
        let gemm: GEMMbf16
    }

    public let features: CPUFeatures
    /// fp32 with AVX-512; nil: the Swift SIMD kernel (`PackedGEMM`), compiled for the build's baseline.
    let fp32: FP32Kernels?
    let int8: Int8Kernels?
    let bf16: BF16Kernels?
    /// Attention (fp32 in every precision) with the AVX-512 C kernel; else per-head BLAS.
    let attention: Bool

    public var fp32Name: String {
        if let fp32 { return fp32.name }
        #if CLIP_TARGET_HASWELL
            return "packed 6×16 AVX2+FMA (Swift SIMD)"
        #else
            return "packed 6×16 Swift SIMD (generic build: no FMA)"
        #endif
    }

    /// The fastest kernels `features` allows; a format the CPU lacks has none (and packs as fp32).
    public init(features: CPUFeatures) {
        self.features = features
        fp32 =
            features.isSuperset(of: [.avx2, .avx512])
            ? FP32Kernels(name: "packed 6×64 AVX-512 FMA", gemm: clip_gemm_f32_avx512)
            : nil
        attention = features.isSuperset(of: [.avx2, .avx512])
        // AMX tiles where the CPU has them, else VNNI, else AVX2: the same packed weights and the same results, bit
        // for bit.
        int8 =
            features.isSuperset(of: [.avx512, .avx512VNNI, .amxInt8])
            ? Int8Kernels(
                name: "u8·s8 32×32 AMX tiles", quantize: clip_quantize_rows_u8_avx512, gemm: clip_gemm_u8s8_amx)
            : features.isSuperset(of: [.avx512, .avx512VNNI])
                ? Int8Kernels(
                    name: "u8·s8 6×64 AVX512-VNNI", quantize: clip_quantize_rows_u8_avx512,
                    gemm: clip_gemm_u8s8_avx512vnni)
                : features.contains(.avx2)
                    ? Int8Kernels(
                        name: "u8·s8 6×8 AVX2 (16-bit products)", quantize: clip_quantize_rows_u8_avx2,
                        gemm: clip_gemm_u8s8_avx2)
                    : nil
        bf16 =
            features.isSuperset(of: [.avx512, .avx512BF16])
            ? BF16Kernels(
                name: "bf16 6×64 AVX512-BF16", convert: clip_convert_rows_bf16_avx512,
                gemm: clip_gemm_bf16_avx512bf16)
            : nil
    }

    private init(features: CPUFeatures, int8: Int8Kernels?, bf16: BF16Kernels?) {
        self.features = features
        fp32 = nil
        attention = false
        self.int8 = int8
        self.bf16 = bf16
    }

    /// This machine's table, filled once.
    public static let current = KernelTable(features: .detected)

    /// Scalar C kernels for bf16 and int8 on any CPU, and the Swift fp32 kernel: the algorithmic reference,
    /// for tests.
    public static let reference = KernelTable(
        features: [],
        int8: Int8Kernels(
            name: "u8·s8 scalar reference", quantize: clip_quantize_rows_u8,
            gemm: clip_gemm_u8s8_reference),
        bf16: BF16Kernels(
            name: "bf16 scalar reference", convert: clip_convert_rows_bf16,
            gemm: clip_gemm_bf16_reference))

    /// The scalar reference kernels for exactly the formats `table` has kernels for. A model packed on both
    /// tables resolves every layer to the same format (a format `table` lacks packs as fp32 on both), so
    /// the two differ by kernel arithmetic alone: the like-for-like comparison the tests need on a CPU
    /// with AVX512-VNNI but no AVX512-BF16, where `.reference` would run bf16 layers that `table` runs fp32.
    public static func reference(matching table: KernelTable) -> KernelTable {
        KernelTable(
            features: [], int8: table.int8 == nil ? nil : reference.int8,
            bf16: table.bf16 == nil ? nil : reference.bf16)
    }

    /// The name of the kernel that runs weights packed in `format` on this table.
    public func kernelName(for format: WeightFormat) -> String {
        switch format {
        case .fp32: return fp32Name
        case .bf16: return bf16?.name ?? "none (fp32 fallback)"
        case .int8: return int8?.name ?? "none (fp32 fallback)"
        }
    }

    /// Whether weights packed in `format` run in that format here (fp32 always does).
    public func has(_ format: WeightFormat) -> Bool {
        switch format {
        case .fp32: return true
        case .bf16: return bf16 != nil
        case .int8: return int8 != nil
        }
    }

    /// Whether `precision` runs as asked here: `auto` always does, as whatever it resolves to.
    public func supports(_ precision: Precision) -> Bool {
        precision.format.map(has) ?? true
    }

    /// The kernel each precision runs here, for `clip bench` and `BuildInfo`.
    public var summary: String {
        "fp32: \(fp32Name); bf16: \(kernelName(for: .bf16)); int8: \(kernelName(for: .int8)); "
            + "attention: \(attention ? "AVX-512 per head" : "BLAS per head")" + amxNote
    }

    /// What of the AMX tiles, where the CPU has them, runs: int8 does; bf16 has no tile kernel yet.
    var amxNote: String {
        features.contains(.amxBF16) && bf16 != nil ? " (AMX bf16 tiles present, not used: no AMX bf16 kernel yet)" : ""
    }
}
