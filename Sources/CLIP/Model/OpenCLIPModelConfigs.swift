import Foundation

/// open_clip's built-in architectures (the shapes from its `model_configs/*.json`), so an open_clip
/// safetensors file can be loaded by model name alone. They are data, kept in Resources/open_clip_configs.json
/// (one architecture per line) and compiled into the binary: `clip` holds OpenAI's ViTs and ModifiedResNets
/// (each also as `-quickgelu`), `siglip` open_clip's SigLIP models (`CustomTextCLIP`: a timm tower named by
/// `timm_model_name`, whose shape `TimmSiglipTowers` knows, and a non-causal text tower pooled at its last
/// position).
enum OpenCLIPModelConfigs {
    private static let groups: [String: [String: Data]] = {
        // The file is part of this build; failing to read it is a packaging bug, not a user's mistake.
        guard let data = try? LibraryFiles.embedded.data("open_clip_configs.json"),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: [String: Any]]
        else {
            preconditionFailure("open_clip_configs.json is missing from this build or is not JSON")
        }
        return object.mapValues { group in
            group.compactMapValues { try? JSONSerialization.data(withJSONObject: $0) }
        }
    }()

    /// The ViT and ModifiedResNet architectures, by name.
    static var json: [String: Data] { groups["clip"] ?? [:] }

    /// The SigLIP architectures, by name.
    static var siglip: [String: Data] { groups["siglip"] ?? [:] }

    static var names: [String] { json.keys.sorted().flatMap { [$0, $0 + "-quickgelu"] } + siglip.keys.sorted() }
}

extension CLIPConfig {
    /// A built-in open_clip architecture; a `-quickgelu` suffix selects QuickGELU (OpenAI-trained weights).
    public init(openCLIPModelName name: String) throws {
        if let siglip = OpenCLIPModelConfigs.siglip[name] {
            try self.init(openCLIPConfig: siglip, source: "open_clip model \(name)")
            return
        }
        let quick = name.hasSuffix("-quickgelu")
        let base = quick ? String(name.dropLast("-quickgelu".count)) : name
        guard let config = OpenCLIPModelConfigs.json[base] else {
            let known = OpenCLIPModelConfigs.names.joined(separator: ", ")
            throw CLIPError.config(
                source: "model name", field: nil,
                reason: "unknown open_clip model '\(name)'; known: \(known)")
        }
        try self.init(openCLIPConfig: config, source: "open_clip model \(name)")
        if quick { useQuickGELU() }
    }

    /// QuickGELU in both towers' transformers (OpenAI-trained weights). A ResNet's convolutions use ReLU
    /// whatever the flag: it changes its text tower only.
    public mutating func useQuickGELU() { useActivation(.quickGELU) }

    /// `activation` in both towers' transformers (a ResNet's convolutions keep ReLU).
    public mutating func useActivation(_ activation: Activation) {
        if case var .vit(vision) = image {
            vision.transformer.activation = activation
            image = .vit(vision)
        }
        text.transformer.activation = activation
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
