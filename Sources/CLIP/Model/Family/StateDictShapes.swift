import Foundation

/// An OpenAI-named checkpoint (OpenAI's releases, open_clip's `state_dict`) read for its shapes, as
/// open_clip's `build_model_from_openai_state_dict` does: the image tower's family reads its part, the
/// causal text tower is the same for all (heads from widths / 64; QuickGELU, as OpenAI trained them).
struct StateDictShapes {
    let file: SafeTensorsFile

    func has(_ key: String) -> Bool { file.entries[key] != nil }

    /// The shape of `key`, or an error saying the model's shape is read from it.
    func shape(_ key: String) throws -> [Int] {
        guard let entry = file.entries[key] else {
            throw CLIPError.checkpoint(
                file: file.path, tensor: key,
                reason: "missing: the model's shape is read from it (this is not an OpenAI-named CLIP checkpoint, "
                    + "or it needs its config)")
        }
        return entry.shape
    }

    /// How many distinct names follow `prefix` at dot-separated `index` (blocks in a stack).
    func distinct(_ prefix: String, at index: Int) -> Int {
        Set(file.entries.keys.filter { $0.hasPrefix(prefix) }.map { $0.split(separator: ".")[index] }).count
    }

    /// The grid side of `positions` positional embeddings (a square grid plus the class token).
    func side(_ positions: Int, _ key: String) throws -> Int {
        let side = Int((Double(positions - 1)).squareRoot().rounded())
        guard side * side + 1 == positions else {
            throw CLIPError.checkpoint(
                file: file.path, tensor: key,
                reason: "\(positions) positions are not a square grid plus one")
        }
        return side
    }

    /// The whole config: `image` (the family's part) beside the causal text tower, validated.
    func config(image: ImageTowerConfig) throws -> CLIPConfig {
        let textWidth = try shape("ln_final.weight")[0]
        let textMLP = try shape("transformer.resblocks.0.mlp.c_fc.weight")[0]
        let transformer = TransformerConfig(
            width: textWidth, layers: distinct("transformer.resblocks.", at: 2),
            heads: max(1, textWidth / 64), mlpWidth: textMLP, activation: .quickGELU)
        let config = CLIPConfig(
            image: image,
            text: TextConfig(
                transformer: transformer,
                contextLength: try shape("positional_embedding")[0],
                vocabSize: try shape("token_embedding.weight")[0]),
            embedDim: try shape("text_projection")[1])
        try config.validate(source: file.path)
        return config
    }
}
