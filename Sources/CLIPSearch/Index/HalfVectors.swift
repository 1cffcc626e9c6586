import CLIP
import CSearchKernels

/// The half-precision vector kernels of the HNSW graph, chosen once from the CPU's features: the AVX2 +
/// F16C versions where the CPU has them, the portable ones elsewhere, so the index never faults with SIGILL
/// on an older CPU (or under `CLIP_CPU_FEATURES`).
enum HalfVectors {
    static let fast = CPUFeatures.detected.isSuperset(of: [.avx2, .f16c])

    @inline(__always)
    static func dot(_ query: UnsafePointer<Float>, _ vector: UnsafePointer<UInt16>, _ dimension: Int) -> Float {
        fast ? clip_dot_f32_f16(query, vector, dimension) : clip_dot_f32_f16_portable(query, vector, dimension)
    }

    @inline(__always)
    static func widen(_ source: UnsafePointer<UInt16>, into destination: UnsafeMutablePointer<Float>, count: Int) {
        fast ? clip_f16_to_f32(source, destination, count) : clip_f16_to_f32_portable(source, destination, count)
    }

    @inline(__always)
    static func narrow(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<UInt16>, count: Int) {
        fast ? clip_f32_to_f16(source, destination, count) : clip_f32_to_f16_portable(source, destination, count)
    }
}
