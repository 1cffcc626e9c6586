import CLIP
import Foundation

/// The small CLIP this project trained on its synthetic shapes (see Resources/synthetic-shapes/TRAINING.md).
/// It ships inside the `clip` binary's resources, so `clip demo` works offline with nothing downloaded.
enum BundledModel {
    static let name = "synthetic-shapes"

    /// The bundled model's folder when `model` names it, else nil.
    static func folder(named model: String) throws -> URL? {
        guard model == name else { return nil }
        guard let url = Bundle.module.url(forResource: name, withExtension: nil) else {
            throw CLIPError.io(file: name, reason: "the bundled model is missing from this build's resources")
        }
        return url
    }
}
