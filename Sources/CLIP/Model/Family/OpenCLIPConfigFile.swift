import Foundation

/// An open_clip model JSON (`{"embed_dim", "vision_cfg", "text_cfg", "quick_gelu"?}`), as the families read
/// it; `FamilyTable.openCLIP` picks the family from `vision_cfg`.
struct OpenCLIPConfigFile: Decodable {
    var embed_dim: Int
    var quick_gelu: Bool?
    var vision_cfg: Vision
    var text_cfg: Text

    struct Vision: Decodable {
        var image_size: IntOrPair?
        var layers: Layers?
        var width: Int?
        var head_width: Int?
        var mlp_ratio: Double?
        var patch_size: Int?
        var timm_model_name: String?
        var timm_pool: String?
        var timm_proj: String?
    }

    struct Text: Decodable {
        var context_length: Int?
        var vocab_size: Int?
        var width: Int?
        var heads: Int?
        var layers: Int?
        var mlp_ratio: Double?
        var hf_model_name: String?
        var no_causal_mask: Bool?
        var pool_type: String?
        var proj_bias: Bool?
        var norm_kwargs: NormKwargs?
        var act_kwargs: ActKwargs?
    }

    struct NormKwargs: Decodable { var eps: Float? }
    struct ActKwargs: Decodable { var approximate: String? }

    /// A ViT's block count, or a ModifiedResNet's blocks per stage.
    enum Layers: Decodable {
        case count(Int)
        case stages([Int])

        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let n = try? c.decode(Int.self) {
                self = .count(n)
                return
            }
            if let list = try? c.decode([Int].self) {
                self = .stages(list)
                return
            }
            throw DecodingError.dataCorruptedError(
                in: c, debugDescription: "expected a block count (ViT) or a list of blocks per stage (ModifiedResNet)")
        }
    }

    /// open_clip allows `image_size` as an int or a square `[h, w]` pair.
    struct IntOrPair: Decodable {
        var value: Int

        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let v = try? c.decode(Int.self) {
                value = v
                return
            }
            let pair = try c.decode([Int].self)
            guard pair.count == 2, pair[0] == pair[1] else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "only square image sizes are supported")
            }
            value = pair[0]
        }
    }

    /// Decodes `data`, or says it is not a valid open_clip model config, naming the field.
    static func decode(_ data: Data, source: String) throws -> OpenCLIPConfigFile {
        do { return try JSONDecoder().decode(OpenCLIPConfigFile.self, from: data) } catch {
            throw CLIPError.config(
                source: source, field: CLIPConfig.fieldPath(of: error),
                reason: "not a valid open_clip model config (\(CLIPConfig.reason(of: error)))")
        }
    }
}

// open_clip's causal CLIP text tower, shared by its ViT and ModifiedResNet models.
extension OpenCLIPConfigFile {
    /// QuickGELU for OpenAI-trained weights (`quick_gelu`), else exact GELU.
    var activation: Activation { (quick_gelu ?? false) ? .quickGELU : .gelu }

    /// Refuses SigLIP's text-tower options beside a CLIP image tower: open_clip reads them with a timm
    /// image tower only.
    func requireCausalText(source: String) throws {
        let t = text_cfg
        let odd = [
            ("no_causal_mask", t.no_causal_mask == true),
            ("pool_type", (t.pool_type ?? "argmax") != "argmax"),
            ("proj_bias", t.proj_bias == true)
        ]
        for (field, isOdd) in odd where isOdd {
            throw CLIPError.config(
                source: source, field: "text_cfg.\(field)",
                reason: "SigLIP's text tower (non-causal, pooled at '\(t.pool_type ?? "argmax")', biased projection) "
                    + "is read with SigLIP's timm image towers only")
        }
    }

    /// The causal text tower's shape, with open_clip's defaults.
    var causalText: TextConfig {
        let t = text_cfg
        let width = t.width ?? 512
        return TextConfig(
            transformer: TransformerConfig(
                width: width, layers: t.layers ?? 12, heads: t.heads ?? 8,
                mlpWidth: Int(Double(width) * (t.mlp_ratio ?? 4.0)), activation: activation),
            contextLength: t.context_length ?? 77, vocabSize: t.vocab_size ?? 49408)
    }
}
