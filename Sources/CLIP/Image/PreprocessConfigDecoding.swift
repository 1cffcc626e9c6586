import Foundation

extension PreprocessConfig {
    /// The preprocessing a model folder declares: HF `preprocessor_config.json`, or the `preprocess_cfg` of
    /// an open_clip `open_clip_config.json`, over `defaults` (the image tower's, `ImageTower.preprocessDefaults`:
    /// CLIP's shortest side and centre crop, SigLIP's squash) for what the folder leaves out or lacks.
    public static func forModel(folder: URL?, defaults: PreprocessConfig) throws -> PreprocessConfig {
        var config = defaults
        guard let folder else { return config }
        let hf = folder.appendingPathComponent("preprocessor_config.json")
        let oc = folder.appendingPathComponent("open_clip_config.json")
        if let data = try? Data(contentsOf: hf) {
            guard let json = (try? JSONDecoder().decode(JSONValue.self, from: data))?.object else {
                throw CLIPError.config(source: hf.path, field: nil, reason: "not a JSON object")
            }
            if let crop = json["crop_size"] {
                config.size = crop.int ?? crop.object?["height"]?.int ?? config.size
            } else if let size = json["size"]?.object, let height = size["height"]?.int {
                // A fixed height × width and no crop (SiglipImageProcessor): resize both sides, as PIL does.
                guard size["width"]?.int == height else {
                    throw CLIPError.config(
                        source: hf.path, field: "size",
                        reason: "only square inputs are supported, got \(height)×\(size["width"]?.int ?? 0)")
                }
                config.size = height
                config.resizeMode = .squash
            }
            try readMeanStd(json, meanKey: "image_mean", stdKey: "image_std", into: &config, source: hf.path)
            // transformers converts to RGB (transparency onto white) before resizing; its default is to convert.
            if json["do_convert_rgb"]?.bool ?? true { config.rgbConversion = .firstOntoWhite }
        } else if let data = try? Data(contentsOf: oc) {
            guard let json = (try? JSONDecoder().decode(JSONValue.self, from: data))?.object else {
                throw CLIPError.config(source: oc.path, field: nil, reason: "not a JSON object")
            }
            if let pre = json["preprocess_cfg"]?.object {
                if let size = pre["size"] { config.size = size.int ?? size.array?.first?.int ?? config.size }
                try readMeanStd(pre, meanKey: "mean", stdKey: "std", into: &config, source: oc.path)
                if let mode = pre["resize_mode"]?.string {
                    guard let m = ResizeMode(rawValue: mode) else {
                        throw CLIPError.config(
                            source: oc.path, field: "preprocess_cfg.resize_mode",
                            reason: "unsupported '\(mode)' (supported: shortest, squash)")
                    }
                    config.resizeMode = m
                }
            }
        }
        return config
    }

    private static func readMeanStd(
        _ json: [String: JSONValue], meanKey: String, stdKey: String,
        into config: inout PreprocessConfig, source: String
    ) throws {
        func triple(_ key: String) throws -> [Float]? {
            guard let value = json[key] else { return nil }
            let numbers = value.array?.compactMap { v -> Float? in
                if case let .double(d) = v { return Float(d) }
                if case let .int(i) = v { return Float(i) }
                return nil
            }
            guard let numbers, numbers.count == 3 else {
                throw CLIPError.config(source: source, field: key, reason: "must be an array of 3 numbers")
            }
            return numbers
        }
        if let mean = try triple(meanKey) { config.mean = mean }
        if let std = try triple(stdKey) {
            guard std.allSatisfy({ $0 > 0 }) else {
                throw CLIPError.config(source: source, field: stdKey, reason: "values must be positive")
            }
            config.std = std
        }
    }
}
