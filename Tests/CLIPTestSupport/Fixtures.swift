import CLIP
import Foundation

/// The saved reference outputs and small checkpoints every test target reads (made by the scripts in
/// `tools/`), found through this target's resource bundle: no test reads another target's folder by path.
public enum Fixtures {
    public static var root: URL { Bundle.module.url(forResource: "Fixtures", withExtension: nil)! }

    public static func url(_ path: String) -> URL { root.appendingPathComponent(path) }

    /// An fp32 `.npy` fixture as a tensor.
    public static func floats(_ path: String) throws -> Tensor { try NPY.read(url(path)).tensor(file: path) }

    /// An int32 `[rows, columns]` `.npy` fixture as token rows.
    public static func tokens(_ path: String) throws -> [[Int32]] {
        guard case let .int32(shape, values) = try NPY.read(url(path)) else {
            throw CLIPError.input(file: path, reason: "not int32")
        }
        return (0..<shape[0]).map { Array(values[($0 * shape[1])..<(($0 + 1) * shape[1])]) }
    }
}

/// Files of the checkout that are not a target's (`tools/`, `scripts/`): the helpers some tests start.
public enum Repository {
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    public static func url(_ path: String) -> URL { root.appendingPathComponent(path) }
}
