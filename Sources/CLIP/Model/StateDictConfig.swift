import Foundation

extension CLIPConfig {
    /// The config of an OpenAI-named checkpoint (OpenAI's releases, and open_clip's `state_dict`), read off
    /// its tensors' shapes as open_clip's `build_model_from_openai_state_dict` does: a ViT when `visual.proj`
    /// is there, else a ModifiedResNet (blocks per stage from the `visual.layerN.B` names, width from
    /// `layer1.0.conv1`, input size from the attention pool's positions); heads from widths / 64; QuickGELU,
    /// as OpenAI trained them.
    public init(openAIStateDict file: SafeTensorsFile) throws {
        let source = file.path
        func shape(_ key: String) throws -> [Int] {
            guard let entry = file.entries[key] else {
                throw CLIPError.checkpoint(file: source, tensor: key, reason: "missing: the model's shape is read from it (this is not an OpenAI-named CLIP checkpoint, or it needs its config)")
            }
            return entry.shape
        }
        func distinct(_ prefix: String, at index: Int) -> Int {
            Set(file.entries.keys.filter { $0.hasPrefix(prefix) }.map { $0.split(separator: ".")[index] }).count
        }
        func side(_ positions: Int, _ key: String) throws -> Int {
            let side = Int((Double(positions - 1)).squareRoot().rounded())
            guard side * side + 1 == positions else {
                throw CLIPError.checkpoint(file: source, tensor: key, reason: "\(positions) positions are not a square grid plus one")
            }
            return side
        }
        let image: ImageTowerConfig
        if file.entries["visual.proj"] != nil {
            let conv = try shape("visual.conv1.weight"), width = conv[0], patch = conv[3]
            let positions = try shape("visual.positional_embedding")[0]
            let layers = file.entries.keys.filter { $0.hasPrefix("visual.") && $0.hasSuffix(".attn.in_proj_weight") }.count
            let mlp = try shape("visual.transformer.resblocks.0.mlp.c_fc.weight")[0]
            image = .vit(VisionConfig(transformer: TransformerConfig(width: width, layers: layers, heads: max(1, width / 64), mlpWidth: mlp,
                                                                     activation: .quickGELU),
                                      imageSize: patch * (try side(positions, "visual.positional_embedding")), patchSize: patch))
        } else {
            let layers = try (1...4).map { stage -> Int in
                let count = distinct("visual.layer\(stage).", at: 2)
                guard count > 0 else {
                    throw CLIPError.checkpoint(file: source, tensor: "visual.layer\(stage).0.conv1.weight", reason: "missing: neither a ViT (visual.proj) nor a ModifiedResNet image tower")
                }
                return count
            }
            let width = try shape("visual.layer1.0.conv1.weight")[0]
            let grid = try side(try shape("visual.attnpool.positional_embedding")[0], "visual.attnpool.positional_embedding")
            image = .modifiedResNet(ResNetConfig(layers: layers, width: width, imageSize: grid * 32, heads: max(1, width * 32 / 64)))
        }
        let textWidth = try shape("ln_final.weight")[0]
        let textMLP = try shape("transformer.resblocks.0.mlp.c_fc.weight")[0]
        self.init(image: image,
                  text: TextConfig(transformer: TransformerConfig(width: textWidth, layers: distinct("transformer.resblocks.", at: 2),
                                                                  heads: max(1, textWidth / 64), mlpWidth: textMLP, activation: .quickGELU),
                                   contextLength: try shape("positional_embedding")[0], vocabSize: try shape("token_embedding.weight")[0]),
                  embedDim: try shape("text_projection")[1])
        try validate(source: source)
    }
}
