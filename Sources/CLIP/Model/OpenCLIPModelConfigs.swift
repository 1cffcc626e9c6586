import Foundation

/// open_clip's built-in architectures (the shapes from its `model_configs/*.json`), so an open_clip
/// safetensors file can be loaded by model name alone.
enum OpenCLIPModelConfigs {
    static let json: [String: String] = [
        "ViT-B-32": #"""
            {"embed_dim": 512,
            "vision_cfg": {"image_size": 224, "layers": 12, "width": 768, "patch_size": 32},
            "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 512, "heads": 8, "layers": 12}}
            """#,
        "ViT-B-16": #"""
            {"embed_dim": 512,
            "vision_cfg": {"image_size": 224, "layers": 12, "width": 768, "patch_size": 16},
            "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 512, "heads": 8, "layers": 12}}
            """#,
        "ViT-L-14": #"""
            {"embed_dim": 768,
            "vision_cfg": {"image_size": 224, "layers": 24, "width": 1024, "patch_size": 14},
            "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 768, "heads": 12, "layers": 12}}
            """#,
        "ViT-L-14-336": #"""
            {"embed_dim": 768,
            "vision_cfg": {"image_size": 336, "layers": 24, "width": 1024, "patch_size": 14},
            "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 768, "heads": 12, "layers": 12}}
            """#,
        "ViT-H-14": #"""
            {"embed_dim": 1024,
            "vision_cfg": {"image_size": 224, "layers": 32, "width": 1280, "head_width": 80, "patch_size": 14},
            "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 1024, "heads": 16, "layers": 24}}
            """#,
        "ViT-H-14-378": #"""
            {"embed_dim": 1024,
            "vision_cfg": {"image_size": 378, "layers": 32, "width": 1280, "head_width": 80, "patch_size": 14},
            "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 1024, "heads": 16, "layers": 24}}
            """#,
        "ViT-B-32-256": #"""
            {"embed_dim": 512,
            "vision_cfg": {"image_size": 256, "layers": 12, "width": 768, "patch_size": 32},
            "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 512, "heads": 8, "layers": 12}}
            """#,
        "ViT-B-16-plus-240": #"""
            {"embed_dim": 640,
            "vision_cfg": {"image_size": 240, "layers": 12, "width": 896, "patch_size": 16},
            "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 640, "heads": 10, "layers": 12}}
            """#,
        // OpenAI's ModifiedResNets: blocks per stage, stem width, input size (open_clip model_configs).
        "RN50": #"""
            {"embed_dim": 1024,
            "vision_cfg": {"image_size": 224, "layers": [3, 4, 6, 3], "width": 64, "patch_size": null},
            "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 512, "heads": 8, "layers": 12}}
            """#,
        "RN101": #"""
            {"embed_dim": 512,
            "vision_cfg": {"image_size": 224, "layers": [3, 4, 23, 3], "width": 64, "patch_size": null},
            "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 512, "heads": 8, "layers": 12}}
            """#,
        "RN50x4": #"""
            {"embed_dim": 640,
            "vision_cfg": {"image_size": 288, "layers": [4, 6, 10, 6], "width": 80, "patch_size": null},
            "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 640, "heads": 10, "layers": 12}}
            """#,
        "RN50x16": #"""
            {"embed_dim": 768,
            "vision_cfg": {"image_size": 384, "layers": [6, 8, 18, 8], "width": 96, "patch_size": null},
            "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 768, "heads": 12, "layers": 12}}
            """#,
        "RN50x64": #"""
            {"embed_dim": 1024,
            "vision_cfg": {"image_size": 448, "layers": [3, 15, 36, 10], "width": 128, "patch_size": null},
            "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 1024, "heads": 16, "layers": 12}}
            """#,
    ]

    /// open_clip's SigLIP architectures (`CustomTextCLIP`: a timm tower named by `timm_model_name`, whose shape
    /// `TimmSiglipTowers` knows, and a non-causal text tower pooled at its last position).
    static let siglip: [String: String] = [
        "ViT-B-16-SigLIP": #"""
            {"embed_dim": 768,
            "vision_cfg": {"image_size": 224, "timm_model_name": "vit_base_patch16_siglip_224", "timm_pool": "map",
             "timm_proj": "none"},
            "text_cfg": {"context_length": 64, "vocab_size": 32000, "width": 768, "heads": 12, "layers": 12,
             "no_causal_mask": true, "proj_bias": true, "pool_type": "last", "norm_kwargs": {"eps": 1e-06}}}
            """#,
        "ViT-B-16-SigLIP-384": #"""
            {"embed_dim": 768,
            "vision_cfg": {"image_size": 384, "timm_model_name": "vit_base_patch16_siglip_384", "timm_pool": "map",
             "timm_proj": "none"},
            "text_cfg": {"context_length": 64, "vocab_size": 32000, "width": 768, "heads": 12, "layers": 12,
             "no_causal_mask": true, "proj_bias": true, "pool_type": "last", "norm_kwargs": {"eps": 1e-06}}}
            """#,
        "ViT-L-16-SigLIP-384": #"""
            {"embed_dim": 1024,
            "vision_cfg": {"image_size": 384, "timm_model_name": "vit_large_patch16_siglip_384", "timm_pool": "map",
             "timm_proj": "none"},
            "text_cfg": {"context_length": 64, "vocab_size": 32000, "width": 1024, "heads": 16, "layers": 24,
             "no_causal_mask": true, "proj_bias": true, "pool_type": "last", "norm_kwargs": {"eps": 1e-06}}}
            """#,
        "ViT-SO400M-14-SigLIP": #"""
            {"embed_dim": 1152,
            "vision_cfg": {"image_size": 224, "timm_model_name": "vit_so400m_patch14_siglip_224", "timm_pool": "map",
             "timm_proj": "none"},
            "text_cfg": {"context_length": 16, "vocab_size": 32000, "width": 1152, "heads": 16, "layers": 27,
             "mlp_ratio": 3.7362, "no_causal_mask": true, "proj_bias": true, "pool_type": "last",
             "norm_kwargs": {"eps": 1e-06}}}
            """#,
        "ViT-SO400M-14-SigLIP-384": #"""
            {"embed_dim": 1152,
            "vision_cfg": {"image_size": 384, "timm_model_name": "vit_so400m_patch14_siglip_384", "timm_pool": "map",
             "timm_proj": "none"},
            "text_cfg": {"context_length": 64, "vocab_size": 32000, "width": 1152, "heads": 16, "layers": 27,
             "mlp_ratio": 3.7362, "no_causal_mask": true, "proj_bias": true, "pool_type": "last",
             "norm_kwargs": {"eps": 1e-06}}}
            """#,
        "ViT-B-16-SigLIP2": #"""
            {"embed_dim": 768,
            "vision_cfg": {"image_size": 224, "timm_model_name": "vit_base_patch16_siglip_224", "timm_pool": "map",
             "timm_proj": "none"},
            "text_cfg": {"context_length": 64, "vocab_size": 256000, "width": 768, "heads": 12, "layers": 12,
             "no_causal_mask": true, "proj_bias": true, "pool_type": "last", "norm_kwargs": {"eps": 1e-06},
             "act_kwargs": {"approximate": "tanh"}}}
            """#,
        "ViT-B-32-SigLIP2-256": #"""
            {"embed_dim": 768,
            "vision_cfg": {"image_size": 256, "timm_model_name": "vit_base_patch32_siglip_256", "timm_pool": "map",
             "timm_proj": "none"},
            "text_cfg": {"context_length": 64, "vocab_size": 256000, "width": 768, "heads": 12, "layers": 12,
             "no_causal_mask": true, "proj_bias": true, "pool_type": "last", "norm_kwargs": {"eps": 1e-06},
             "act_kwargs": {"approximate": "tanh"}}}
            """#,
        "ViT-SO400M-14-SigLIP2": #"""
            {"embed_dim": 1152,
            "vision_cfg": {"image_size": 224, "timm_model_name": "vit_so400m_patch14_siglip_224", "timm_pool": "map",
             "timm_proj": "none"},
            "text_cfg": {"context_length": 64, "vocab_size": 256000, "width": 1152, "heads": 16, "layers": 27,
             "mlp_ratio": 3.7362, "no_causal_mask": true, "proj_bias": true, "pool_type": "last",
             "norm_kwargs": {"eps": 1e-06}, "act_kwargs": {"approximate": "tanh"}}}
            """#,
    ]

    static var names: [String] { json.keys.sorted().flatMap { [$0, $0 + "-quickgelu"] } + siglip.keys.sorted() }
}

extension CLIPConfig {
    /// A built-in open_clip architecture; a `-quickgelu` suffix selects QuickGELU (OpenAI-trained weights).
    public init(openCLIPModelName name: String) throws {
        if let siglip = OpenCLIPModelConfigs.siglip[name] {
            try self.init(openCLIPConfig: Data(siglip.utf8), source: "open_clip model \(name)")
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
