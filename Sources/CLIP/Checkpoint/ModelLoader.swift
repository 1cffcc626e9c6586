import Foundation

extension CLIPModel {
    /// Loads a model from a folder or a file.
    ///
    /// - A Hugging Face folder: `config.json` + `model.safetensors` (transformers `CLIPModel`).
    /// - An open_clip folder from the hub: `open_clip_config.json` + `open_clip_model.safetensors`.
    /// - An OpenAI-named checkpoint without a config: `model.safetensors` whose keys are OpenAI's / open_clip's
    ///   (`visual.*`, `token_embedding.weight`), sized from its tensors (`CLIPConfig(openAIStateDict:)`).
    /// - An open_clip `.safetensors` file: pass `openCLIPConfig` (see `load(openCLIPFile:config:towers:)`).
    /// `adjust` changes the decoded config before the weights are read (a known model's quirks).
    public static func load(from url: URL, towers: Towers = .both, packing: LinearPacking = .fp32,
                            adjust: (inout CLIPConfig) -> Void = { _ in }) throws -> CLIPModel {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw CLIPError.io(file: url.path, reason: "no such file or folder")
        }
        guard isDirectory.boolValue else {
            throw CLIPError.invalidArgument("\(url.path): an open_clip safetensors file needs its model name or JSON config (e.g. --model-name ViT-B-32)")
        }
        let hfConfig = url.appendingPathComponent("config.json")
        let hfWeights = url.appendingPathComponent("model.safetensors")
        let ocConfig = url.appendingPathComponent("open_clip_config.json")
        let ocWeights = url.appendingPathComponent("open_clip_model.safetensors")
        let fm = FileManager.default
        if fm.fileExists(atPath: hfConfig.path), fm.fileExists(atPath: hfWeights.path) {
            var config = try CLIPConfig(huggingFaceConfigFile: hfConfig)
            adjust(&config)
            return try load(weights: hfWeights, config: config, towers: towers, packing: packing)
        }
        if fm.fileExists(atPath: ocConfig.path), fm.fileExists(atPath: ocWeights.path) {
            var config = try CLIPConfig(openCLIPHubConfig: try readFile(ocConfig), source: ocConfig.path)
            adjust(&config)
            return try load(weights: ocWeights, config: config, towers: towers, packing: packing)
        }
        if fm.fileExists(atPath: hfWeights.path) {
            let file = try SafeTensorsFile(path: hfWeights.path)
            if try CheckpointLayout.detect(file) == .openCLIP {
                var config = try CLIPConfig(openAIStateDict: file)
                adjust(&config)
                return try load(weights: hfWeights, config: config, towers: towers, packing: packing)
            }
        }
        throw CLIPError.io(file: url.path, reason: "folder has neither config.json + model.safetensors (Hugging Face), open_clip_config.json + open_clip_model.safetensors (open_clip), nor an OpenAI-named model.safetensors")
    }

    /// Loads an open_clip safetensors file with a built-in model name (`ViT-B-32`, `ViT-B-32-quickgelu`, …).
    public static func load(openCLIPFile file: URL, modelName: String, towers: Towers = .both,
                            packing: LinearPacking = .fp32) throws -> CLIPModel {
        try load(weights: file, config: try CLIPConfig(openCLIPModelName: modelName), towers: towers, packing: packing)
    }

    /// Loads a safetensors file with an explicit config; the key layout is detected from the file.
    /// `packing` chooses the precision of the block linears (quantized or rounded once, here, from the
    /// checkpoint's fp32, fp16 or bf16 tensors).
    public static func load(weights file: URL, config: CLIPConfig, towers: Towers = .both,
                            packing: LinearPacking = .fp32) throws -> CLIPModel {
        let st = try SafeTensorsFile(path: file.path)
        let layout = try CheckpointLayout.detect(st)
        let reader = WeightReader(file: st)
        let vision = towers.contains(.vision) ? try ModelRegistry.imageTower(config, reader, layout: layout, packing: packing) : nil
        let text = towers.contains(.text) ? try ModelRegistry.textTower(config, reader, layout: layout, packing: packing) : nil
        let scale = reader.take("logit_scale", [])
        // SigLIP's sigmoid scores have a bias too; CLIP checkpoints trained with SigLIP's loss may carry one.
        let bias = reader.file.entries["logit_bias"] != nil ? reader.take("logit_bias", []).data[0] : nil
        reader.rejectUnused { key in
            if CheckpointLayout.isIgnoredBuffer(key) { return false }
            if layout.isVisionKey(key) { return towers.contains(.vision) }
            if layout.isTextKey(key) { return towers.contains(.text) }
            return true
        }
        try reader.finish()
        return CLIPModel(config: config, vision: vision, text: text, logitScale: Foundation.exp(scale[0]), logitBias: bias, source: file.path,
                         precision: packing.precision)
    }

    private static func readFile(_ url: URL) throws -> Data {
        do { return try Data(contentsOf: url) } catch {
            throw CLIPError.io(file: url.path, reason: error.localizedDescription)
        }
    }
}
