import CBundledModelFiles
import CLIP
import Foundation

/// The small CLIP this project trained on its synthetic shapes (see
/// Sources/CBundledModelFiles/Resources/synthetic-shapes/TRAINING.md). It is compiled into the `clip` binary, so
/// `clip demo` works offline, with nothing downloaded, from any copy of the binary; the tests load the same
/// files through this target. It is a target of its own, not part of `CLIP`, so that an app importing `CLIP`
/// does not carry its 15 MB.
public enum BundledModel {
    public static let name = "synthetic-shapes"

    public static let files = EmbeddedFiles(
        count: bundled_model_file_count(), name: { bundled_model_file_name($0) },
        bytes: { bundled_model_file_bytes($0, $1) })

    /// The bundled model's folder when `model` names it, else nil. Models load from a folder, so the files are
    /// written out once, to `~/.cache/swiftclip/bundled/synthetic-shapes-<fingerprint>` (a temporary folder
    /// where the cache cannot be written); the fingerprint keeps two builds' models apart.
    public static func folder(named model: String) throws -> URL? {
        guard model == name else { return nil }
        let leaf = "\(name)-\(files.fingerprint)"
        do {
            return try files.materialize(in: UserFolders.cache().appendingPathComponent("bundled/\(leaf)"))
        } catch {
            let fallback = FileManager.default.temporaryDirectory.appendingPathComponent(
                "swiftclip-\(getuid())/bundled/\(leaf)")
            return try files.materialize(in: fallback)
        }
    }
}
