import Foundation

// The public ways to a `CLIPConfig` from a checkpoint's own files. Each picks the family once, through
// `FamilyTable`, and hands the file to that family's decoder (`Model/<Family>/…ConfigDecoding.swift`),
// which follows its format's own defaults (`decodeIfPresent ?? default`), so a minimal file works exactly
// as it does in transformers / open_clip.

extension CLIPConfig {
    /// Decodes a Hugging Face `config.json`: its `model_type` names the family first, so a SigLIP or any
    /// other model's config is never read as CLIP's.
    public init(huggingFaceConfig data: Data, source: String = "config.json") throws {
        let header: HFModelType
        do { header = try JSONDecoder().decode(HFModelType.self, from: data) } catch {
            throw CLIPError.config(source: source, field: nil, reason: "not a JSON object")
        }
        let modelType = header.model_type ?? "clip"
        guard let row = FamilyTable.huggingFace[modelType] else {
            let supported = FamilyTable.huggingFace.keys.sorted().joined(separator: ", ")
            let reason =
                FamilyTable.huggingFaceNotYet[modelType]
                ?? "unsupported model family '\(modelType)' (supported: \(supported))"
            throw CLIPError.config(source: source, field: "model_type", reason: reason)
        }
        self = try row.family.config(huggingFace: data, source: source)
    }

    /// Reads and decodes a Hugging Face `config.json` file.
    public init(huggingFaceConfigFile url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CLIPError.io(file: url.path, reason: error.localizedDescription)
        }
        try self.init(huggingFaceConfig: data, source: url.path)
    }

    /// Decodes an open_clip model JSON (`{"embed_dim", "vision_cfg", "text_cfg", "quick_gelu"?}`).
    public init(openCLIPConfig data: Data, source: String = "open_clip config") throws {
        let raw = try OpenCLIPConfigFile.decode(data, source: source)
        if raw.text_cfg.hf_model_name != nil {
            throw CLIPError.config(
                source: source, field: "text_cfg.hf_model_name",
                reason: "Hugging Face text towers are not supported; only the CLIP and SigLIP text transformers are")
        }
        self = try FamilyTable.openCLIP(raw.vision_cfg).config(openCLIP: raw, source: source)
    }

    /// The config of an OpenAI-named checkpoint (OpenAI's releases, and open_clip's `state_dict`), read off
    /// its tensors' shapes as open_clip's `build_model_from_openai_state_dict` does (see `StateDictShapes`).
    public init(openAIStateDict file: SafeTensorsFile) throws {
        let shapes = StateDictShapes(file: file)
        self = try FamilyTable.stateDict(shapes).config(stateDict: shapes)
    }

    /// The dotted path of the field a `DecodingError` is about, for the error's `field`.
    static func fieldPath(of error: Error) -> String? {
        switch error as? DecodingError {
        case let .keyNotFound(key, ctx)?: return (ctx.codingPath + [key]).map(\.stringValue).joined(separator: ".")
        case let .typeMismatch(_, ctx)?, let .valueNotFound(_, ctx)?, let .dataCorrupted(ctx)?:
            return ctx.codingPath.isEmpty ? nil : ctx.codingPath.map(\.stringValue).joined(separator: ".")
        default: return nil
        }
    }

    /// What a `DecodingError` says, in a person's words.
    static func reason(of error: Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound?: return "required field is missing"
        case let .typeMismatch(type, _)?: return "expected \(type)"
        case .valueNotFound?: return "value is null"
        case let .dataCorrupted(ctx)?: return ctx.debugDescription
        default: return "\(error)"
        }
    }
}
