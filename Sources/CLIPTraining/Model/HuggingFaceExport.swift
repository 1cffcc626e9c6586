import CLIP
import Foundation

extension CLIPConfig {
    /// This config as a transformers `CLIPModel` `config.json`.
    public func huggingFaceJSON(logitScaleInit: Float = 2.6592) -> [String: Any] {
        func tower(_ t: TransformerConfig) -> [String: Any] {
            [
                "hidden_size": t.width, "intermediate_size": t.mlpWidth, "num_hidden_layers": t.layers,
                "num_attention_heads": t.heads, "hidden_act": t.activation.rawValue,
                "layer_norm_eps": Double(t.layerNormEps),
                "projection_dim": embedDim
            ]
        }
        var text = tower(self.text.transformer)
        text["vocab_size"] = self.text.vocabSize
        text["max_position_embeddings"] = self.text.contextLength
        text["bos_token_id"] = self.text.vocabSize - 2
        text["eos_token_id"] = self.text.vocabSize - 1
        text["pad_token_id"] = 1
        text["model_type"] = "clip_text_model"
        var vision = tower(self.vit!.transformer)
        vision["image_size"] = self.vit!.imageSize
        vision["patch_size"] = self.vit!.patchSize
        vision["num_channels"] = self.vit!.channels
        vision["model_type"] = "clip_vision_model"
        return [
            "architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": embedDim,
            "logit_scale_init_value": Double(logitScaleInit), "text_config": text, "vision_config": vision,
            "torch_dtype": "float32"
        ]
    }
}

extension TrainableCLIP {
    /// Saves a folder that both SwiftCLIP and transformers' `CLIPModel.from_pretrained` load with the same
    /// embeddings: `config.json`, `model.safetensors` (fp32, or fp16 with `half`), `preprocessor_config.json`
    /// and the tokenizer's `vocab.json` + `merges.txt`. SigLIP's `logit_bias` has no place in `CLIPModel`;
    /// it is kept in `config.json` under `"logit_bias"`, which transformers ignores.
    public func saveHuggingFace(to folder: URL, half: Bool = false, loss: LossKind = .clip) throws {
        try FileOutput.createFolder(folder)
        let tensors = layout.slots.filter { $0.name != "logit_bias" }.map { slot in
            (
                name: slot.name,
                tensor: Tensor(
                    shape: slot.shape,
                    values: Array(UnsafeBufferPointer(start: parameters.data + slot.offset, count: slot.count)))
            )
        }
        try SafeTensorsWriter.write(
            tensors, dtype: half ? .f16 : .f32, metadata: ["format": "pt"],
            to: folder.appendingPathComponent("model.safetensors"))
        var json = config.huggingFaceJSON()
        if loss == .siglip { json["logit_bias"] = Double(logitBias) }
        let size = config.image.imageSize
        let preprocessor: [String: Any] = [
            "crop_size": ["height": size, "width": size], "do_center_crop": true, "do_normalize": true,
            "do_resize": true,
            "do_rescale": true, "rescale_factor": 1.0 / 255, "do_convert_rgb": true,
            "image_mean": PreprocessConfig.openAIMean.map(Double.init),
            "image_std": PreprocessConfig.openAIStd.map(Double.init),
            "resample": 3, "size": ["shortest_edge": size], "image_processor_type": "CLIPImageProcessor"
        ]
        for (name, object) in [("config.json", json), ("preprocessor_config.json", preprocessor)] {
            try FileOutput.write(
                try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]),
                to: folder.appendingPathComponent(name))
        }
        let vocab = folder.appendingPathComponent("vocab.json"), merges = folder.appendingPathComponent("merges.txt")
        if !FileManager.default.fileExists(atPath: vocab.path) || !FileManager.default.fileExists(atPath: merges.path) {
            try BPEVocabulary.bundled().writeHuggingFaceFiles(to: folder)  // the same at every checkpoint
        }
    }
}
