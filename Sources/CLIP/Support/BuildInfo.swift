import Foundation

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

    /// The kernels chosen at run time for this CPU (fp32 / bf16 / int8).
    public static var kernels: String { KernelTable.current.summary }

    /// The CPU's model name from /proc/cpuinfo (Linux), for benchmark reports.
    public static var cpuModel: String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
              let colon = line.firstIndex(of: ":") else { return "unknown CPU" }
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
}
