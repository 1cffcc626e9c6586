import Foundation

/// The XDG base folders SwiftCLIP keeps its things in, each under `swiftclip/`.
public enum UserFolders {
    /// `$XDG_CACHE_HOME/swiftclip`, else `~/.cache/swiftclip`: things that can be made again (thumbnails, the
    /// bundled model written out).
    public static func cache(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        base("XDG_CACHE_HOME", else: ".cache", environment).appendingPathComponent("swiftclip")
    }

    /// `$XDG_DATA_HOME/swiftclip`, else `~/.local/share/swiftclip`: things that cost hours to make again.
    public static func data(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        base("XDG_DATA_HOME", else: ".local/share", environment).appendingPathComponent("swiftclip")
    }

    private static func base(_ variable: String, else homeRelative: String, _ environment: [String: String]) -> URL {
        if let path = environment[variable], !path.isEmpty { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory())
            .appendingPathComponent(homeRelative)
    }
}
