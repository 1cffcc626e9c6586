import Foundation

/// The fields of a Hugging Face `config.json` the families read; each family applies its own defaults
/// (`decodeIfPresent ?? default`, as transformers does), so a minimal file works as it does there.
struct HFConfigFile: Decodable {
    var text_config: HFTowerConfig?
    var vision_config: HFTowerConfig?
    var projection_dim: Int?

    /// Decodes `data`, or says it is not a valid `what` config.json, naming the field.
    static func decode(_ data: Data, source: String, what: String) throws -> HFConfigFile {
        do { return try JSONDecoder().decode(HFConfigFile.self, from: data) } catch {
            throw CLIPError.config(
                source: source, field: CLIPConfig.fieldPath(of: error),
                reason: "not a valid \(what) config.json (\(CLIPConfig.reason(of: error)))")
        }
    }
}

/// One tower's section (`text_config`, `vision_config`).
struct HFTowerConfig: Decodable {
    var hidden_size: Int?
    var intermediate_size: Int?
    var num_attention_heads: Int?
    var num_hidden_layers: Int?
    var max_position_embeddings: Int?
    var vocab_size: Int?
    var hidden_act: String?
    var layer_norm_eps: Float?
    var image_size: Int?
    var patch_size: Int?
    var num_channels: Int?
    var projection_size: Int?
    var vision_use_head: Bool?
}

/// Only the `model_type`, read first so that another family's config is never read as CLIP's.
struct HFModelType: Decodable {
    var model_type: String?
}
