import CCLIPFiles
import Foundation

/// How this binary was built, for `clip --version` and benchmark reports.
public enum BuildInfo {
    /// SwiftCLIP's version (semantic; the API is not yet frozen).
    public static let version = "0.9.0"

    /// The commit scripts/build.sh stamped in, or why there is none.
    public static var commit: String {
        let stamped = String(cString: clip_build_commit())
        return stamped.isEmpty ? "unknown (built without scripts/build.sh)" : stamped
    }

    /// The `swift build` flags scripts/build.sh stamped in, else what the compiler conditions reveal.
    public static var flags: String {
        let stamped = String(cString: clip_build_flags())
        return stamped.isEmpty ? "\(configuration), \(targetCPU)" : stamped
    }

    /// What `clip --version` prints: version, commit, build flags, and the kernels this CPU runs.
    public static var versionReport: String {
        """
        SwiftCLIP \(version)
        commit: \(commit)
        build: \(flags)
        cpu: \(cpuModel) (\(KernelTable.current.features))
        kernels: \(kernels)
        """
    }

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
            let colon = line.firstIndex(of: ":")
        else { return "unknown CPU" }
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
}
