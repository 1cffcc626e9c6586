import Foundation

/// How to load a model again, as a person named it: what `--model` said (a known name, the bundled model,
/// a hub repository id, or a local folder or file made absolute), the architecture of an open_clip file
/// (`--model-name`, a JSON file made absolute) and the precision it ran at. A library and a probe record it
/// beside the model's identity (`LoadedModel.id`, which says which weights made the vectors but not how to
/// load them), so commands can use their model when none is given.
public struct ModelSpec: Codable, Sendable, Equatable, CustomStringConvertible {
    public var model: String
    public var modelName: String?
    /// The precision the blocks ran at (fp32, bf16 or int8: `auto` resolved), as in the identity.
    public var precision: Precision

    public init(model: String, modelName: String? = nil, precision: Precision = .fp32) {
        self.model = model
        self.modelName = modelName
        self.precision = precision
    }

    /// For messages: `ViT-B-32`, `synthetic-shapes precision int8`, `/models/b32.safetensors (ViT-B-32-quickgelu)`.
    public var description: String {
        var text = model
        if let modelName { text += " (\(modelName))" }
        if precision != .fp32 { text += " precision \(precision.rawValue)" }
        return text
    }

    /// One line of JSON (keys sorted), as libraries and probes store it.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// The spec `json` wrote; nil for anything else (a library or probe from before specs were recorded).
    public init?(json: String?) {
        guard let json, let spec = try? JSONDecoder().decode(ModelSpec.self, from: Data(json.utf8)) else { return nil }
        self = spec
    }

    /// `reference` as it can be loaded again from another folder: a path that names an existing file or
    /// folder made absolute (and standardised); a known name or hub repository id as it is.
    public static func absolute(_ reference: String) -> String {
        let expanded = (reference as NSString).expandingTildeInPath
        guard FileManager.default.fileExists(atPath: expanded) else { return reference }
        return URL(fileURLWithPath: expanded).standardizedFileURL.path
    }
}
