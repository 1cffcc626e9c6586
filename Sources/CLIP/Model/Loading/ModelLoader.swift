import Foundation

extension CLIPModel {
    /// Loads a model from a folder (see `ModelSource` for the layouts it recognises):
    ///
    /// - A Hugging Face folder: `config.json` + `model.safetensors` (transformers `CLIPModel`).
    /// - An open_clip folder from the hub: `open_clip_config.json` + `open_clip_model.safetensors`.
    /// - An OpenAI-named checkpoint without a config: `model.safetensors` whose keys are OpenAI's / open_clip's
    ///   (`visual.*`, `token_embedding.weight`), sized from its tensors (`CLIPConfig(openAIStateDict:)`).
    /// - An open_clip `.safetensors` file: pass `openCLIPConfig` (see `load(openCLIPFile:config:towers:)`).
    /// `adjust` changes the decoded config before the weights are read (a known model's quirks).
    public static func load(
        from url: URL, towers: Towers = .both, packing: LinearPacking = .fp32,
        adjust: (inout CLIPConfig) -> Void = { _ in }
    ) throws -> CLIPModel {
        let source = try ModelSource.locate(url)
        guard var config = try source.folderConfig() else {
            throw CLIPError.invalidArgument(
                "\(url.path): an open_clip safetensors file needs its model name or JSON "
                    + "config (e.g. --model-name ViT-B-32)")
        }
        adjust(&config)
        return try load(weights: source.weights, config: config, towers: towers, packing: packing)
    }

    /// Loads an open_clip safetensors file with a built-in model name (`ViT-B-32`, `ViT-B-32-quickgelu`, …).
    public static func load(
        openCLIPFile file: URL, modelName: String, towers: Towers = .both,
        packing: LinearPacking = .fp32
    ) throws -> CLIPModel {
        try load(weights: file, config: try CLIPConfig(openCLIPModelName: modelName), towers: towers, packing: packing)
    }

    /// Loads a safetensors file with an explicit config; the key layout is detected from the file, and each
    /// tower is read by the family that config names (`FamilyTable`), with its key map for that layout.
    /// `packing` chooses the precision of the block linears (quantized or rounded once, here, from the
    /// checkpoint's fp32, fp16 or bf16 tensors).
    public static func load(
        weights file: URL, config: CLIPConfig, towers: Towers = .both,
        packing: LinearPacking = .fp32
    ) throws -> CLIPModel {
        let st = try SafeTensorsFile(path: file.path)
        let layout = try CheckpointLayout.detect(st)
        let reader = WeightReader(file: st)
        let vision =
            towers.contains(.vision)
            ? try config.imageFamily.imageTower(config, from: reader, layout: layout, packing: packing) : nil
        let text =
            towers.contains(.text)
            ? try config.textFamily.textTower(config, from: reader, layout: layout, packing: packing) : nil
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
        return CLIPModel(
            config: config, vision: vision, text: text, logitScale: Foundation.exp(scale[0]),
            logitBias: bias, source: file.path, precision: packing.precision)
    }
}
