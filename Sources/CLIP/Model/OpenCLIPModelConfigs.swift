import Foundation

/// open_clip's built-in architectures (the shapes from its `model_configs/*.json`), so an open_clip
/// safetensors file can be loaded by model name alone.
enum OpenCLIPModelConfigs {
    static let json: [String: String] = [
        "ViT-B-32": #"{"embed_dim": 512, "vision_cfg": {"image_size": 224, "layers": 12, "width": 768, "patch_size": 32}, "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 512, "heads": 8, "layers": 12}}"#,
        "ViT-B-16": #"{"embed_dim": 512, "vision_cfg": {"image_size": 224, "layers": 12, "width": 768, "patch_size": 16}, "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 512, "heads": 8, "layers": 12}}"#,
        "ViT-L-14": #"{"embed_dim": 768, "vision_cfg": {"image_size": 224, "layers": 24, "width": 1024, "patch_size": 14}, "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 768, "heads": 12, "layers": 12}}"#,
        "ViT-L-14-336": #"{"embed_dim": 768, "vision_cfg": {"image_size": 336, "layers": 24, "width": 1024, "patch_size": 14}, "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 768, "heads": 12, "layers": 12}}"#,
        "ViT-H-14": #"{"embed_dim": 1024, "vision_cfg": {"image_size": 224, "layers": 32, "width": 1280, "head_width": 80, "patch_size": 14}, "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 1024, "heads": 16, "layers": 24}}"#,
        "ViT-H-14-378": #"{"embed_dim": 1024, "vision_cfg": {"image_size": 378, "layers": 32, "width": 1280, "head_width": 80, "patch_size": 14}, "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 1024, "heads": 16, "layers": 24}}"#,
        "ViT-B-32-256": #"{"embed_dim": 512, "vision_cfg": {"image_size": 256, "layers": 12, "width": 768, "patch_size": 32}, "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 512, "heads": 8, "layers": 12}}"#,
        "ViT-B-16-plus-240": #"{"embed_dim": 640, "vision_cfg": {"image_size": 240, "layers": 12, "width": 896, "patch_size": 16}, "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 640, "heads": 10, "layers": 12}}"#,
        // OpenAI's ModifiedResNets: blocks per stage, stem width, input size (open_clip model_configs).
        "RN50": #"{"embed_dim": 1024, "vision_cfg": {"image_size": 224, "layers": [3, 4, 6, 3], "width": 64, "patch_size": null}, "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 512, "heads": 8, "layers": 12}}"#,
        "RN101": #"{"embed_dim": 512, "vision_cfg": {"image_size": 224, "layers": [3, 4, 23, 3], "width": 64, "patch_size": null}, "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 512, "heads": 8, "layers": 12}}"#,
        "RN50x4": #"{"embed_dim": 640, "vision_cfg": {"image_size": 288, "layers": [4, 6, 10, 6], "width": 80, "patch_size": null}, "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 640, "heads": 10, "layers": 12}}"#,
        "RN50x16": #"{"embed_dim": 768, "vision_cfg": {"image_size": 384, "layers": [6, 8, 18, 8], "width": 96, "patch_size": null}, "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 768, "heads": 12, "layers": 12}}"#,
        "RN50x64": #"{"embed_dim": 1024, "vision_cfg": {"image_size": 448, "layers": [3, 15, 36, 10], "width": 128, "patch_size": null}, "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 1024, "heads": 16, "layers": 12}}"#,
    ]

    /// SigLIP shapes, as transformers' `SiglipConfig` (open_clip's own SigLIP configs name timm towers).
    static let siglip: [String: String] = [
        "ViT-B-16-SigLIP": #"{"model_type": "siglip", "text_config": {"hidden_size": 768, "intermediate_size": 3072, "num_attention_heads": 12, "num_hidden_layers": 12, "max_position_embeddings": 64, "vocab_size": 32000}, "vision_config": {"hidden_size": 768, "intermediate_size": 3072, "num_attention_heads": 12, "num_hidden_layers": 12, "image_size": 224, "patch_size": 16}}"#,
        "ViT-B-16-SigLIP-384": #"{"model_type": "siglip", "text_config": {"hidden_size": 768, "intermediate_size": 3072, "num_attention_heads": 12, "num_hidden_layers": 12, "max_position_embeddings": 64, "vocab_size": 32000}, "vision_config": {"hidden_size": 768, "intermediate_size": 3072, "num_attention_heads": 12, "num_hidden_layers": 12, "image_size": 384, "patch_size": 16}}"#,
    ]

    static var names: [String] { json.keys.sorted().flatMap { [$0, $0 + "-quickgelu"] } + siglip.keys.sorted() }
}

extension CLIPConfig {
    /// A built-in open_clip architecture; a `-quickgelu` suffix selects QuickGELU (OpenAI-trained weights).
    public init(openCLIPModelName name: String) throws {
        if let siglip = OpenCLIPModelConfigs.siglip[name] {
            try self.init(huggingFaceConfig: Data(siglip.utf8), source: "SigLIP shape \(name)")
            return
        }
        let quick = name.hasSuffix("-quickgelu")
        let base = quick ? String(name.dropLast("-quickgelu".count)) : name
        guard let text = OpenCLIPModelConfigs.json[base] else {
            throw CLIPError.config(source: "model name", field: nil,
                                   reason: "unknown open_clip model '\(name)'; known: \(OpenCLIPModelConfigs.names.joined(separator: ", "))")
        }
        try self.init(openCLIPConfig: Data(text.utf8), source: "open_clip model \(name)")
        if quick { useQuickGELU() }
    }

    /// QuickGELU in both towers' transformers (OpenAI-trained weights). A ResNet's convolutions use ReLU
    /// whatever the flag: it changes its text tower only.
    public mutating func useQuickGELU() {
        if case var .vit(vision) = image {
            vision.transformer.activation = .quickGELU
            image = .vit(vision)
        }
        text.transformer.activation = .quickGELU
    }

    /// The hub's `open_clip_config.json`, which wraps the model JSON in `model_cfg`.
    public init(openCLIPHubConfig data: Data, source: String) throws {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CLIPError.config(source: source, field: nil, reason: "not a JSON object")
        }
        guard let model = object["model_cfg"] else {
            throw CLIPError.config(source: source, field: "model_cfg", reason: "required field is missing")
        }
        try self.init(openCLIPConfig: try JSONSerialization.data(withJSONObject: model), source: source)
    }
}
