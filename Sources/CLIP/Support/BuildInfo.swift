/// How this binary was built, for benchmark reports.
public enum BuildInfo {
    public static var configuration: String {
        #if DEBUG
        return "debug"
        #else
        return "release"
        #endif
    }

    /// scripts/flags.sh defines CLIP_TARGET_HASWELL alongside `-target-cpu haswell`.
    public static var targetCPU: String {
        #if CLIP_TARGET_HASWELL
        return "-target-cpu haswell (AVX2+FMA)"
        #else
        return "generic x86-64 (no FMA; build with scripts/build.sh for full speed)"
        #endif
    }

    public static var summary: String { "\(configuration), \(targetCPU), OpenBLAS sgemm (1 thread per worker)" }
}
