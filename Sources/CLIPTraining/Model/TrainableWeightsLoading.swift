import CLIP
import Foundation

extension TrainableCLIP {
    /// Loads every parameter from a Hugging Face `model.safetensors`, by name. Strict: a missing tensor
    /// or a wrong shape is an error naming it. `logit_bias` may be absent (CLIP checkpoints have none);
    /// buffers (`position_ids`) are ignored; any other extra tensor is an error.
    public func loadWeights(from url: URL) throws {
        let file = try SafeTensorsFile(path: url.path)
        for slot in layout.slots {
            guard let entry = file.entries[slot.name] else {
                if slot.name == "logit_bias" { continue }
                throw CLIPError.checkpoint(file: url.path, tensor: slot.name, reason: "tensor is missing")
            }
            guard entry.shape.reduce(1, *) == slot.count,
                entry.shape.filter({ $0 != 1 }) == slot.shape.filter({ $0 != 1 })
            else {
                throw CLIPError.checkpoint(
                    file: url.path, tensor: slot.name, reason: "shape \(entry.shape), expected \(slot.shape)")
            }
            let values = try file.floats(slot.name)
            (parameters.data + slot.offset).update(from: values.data, count: slot.count)
        }
        let known = Set(layout.slots.map(\.name))
        if let extra = file.entries.keys.sorted().first(where: {
            !known.contains($0) && !CheckpointLayout.isIgnoredBuffer($0)
        }) {
            throw CLIPError.checkpoint(
                file: url.path, tensor: extra, reason: "unexpected tensor for a CLIP model of this config")
        }
    }
}

extension TrainableCLIP {
    /// Loads a checkpoint in either layout: transformers' names (`loadWeights(from:)`), or open_clip's ViT
    /// `CLIP` (`visual.*`, `transformer.*`), mapped onto them — fused `in_proj` rows split into q, k, v, and
    /// the `[in, out]` projections (`visual.proj`, `text_projection`) transposed to transformers' `[out, in]`.
    public func loadCheckpoint(from url: URL) throws {
        let file = try SafeTensorsFile(path: url.path)
        guard file.entries.keys.contains(where: { $0.hasPrefix("visual.") }) else { return try loadWeights(from: url) }
        var used: Set<String> = []
        for slot in layout.slots {
            guard let source = Self.openCLIPSource(of: slot.name) else {
                if slot.name == "logit_bias" { continue }
                throw CLIPError.checkpoint(file: url.path, tensor: slot.name, reason: "no open_clip tensor maps to it")
            }
            guard let entry = file.entries[source.key] else {
                throw CLIPError.checkpoint(
                    file: url.path, tensor: source.key, reason: "tensor is missing (for \(slot.name))")
            }
            used.insert(source.key)
            let values = try file.floats(source.key)
            let count = entry.shape.reduce(1, *)
            var picked: [Float]
            if let part = source.part {
                // One third of a fused [3W, …] in_proj tensor.
                let third = count / 3
                picked = Array(UnsafeBufferPointer(start: values.data + part * third, count: third))
            } else {
                picked = Array(UnsafeBufferPointer(start: values.data, count: count))
            }
            if source.transpose, entry.shape.count == 2 {
                let (r, c) = (entry.shape[0], entry.shape[1])
                picked = (0..<(r * c)).map { i in picked[(i % r) * c + i / r] }
            }
            guard picked.count == slot.count else {
                throw CLIPError.checkpoint(
                    file: url.path, tensor: source.key,
                    reason: "shape \(entry.shape) does not fit \(slot.name) \(slot.shape)")
            }
            (parameters.data + slot.offset).update(from: picked, count: slot.count)
        }
        if let extra = file.entries.keys.sorted().first(where: {
            !used.contains($0) && !CheckpointLayout.isIgnoredBuffer($0) && $0 != "logit_bias"
        }) {
            throw CLIPError.checkpoint(
                file: url.path, tensor: extra, reason: "unexpected tensor for a ViT CLIP of this config")
        }
    }

    /// The open_clip tensor a transformers-named parameter comes from: its key, which third of a fused
    /// in_proj it is, and whether it is stored transposed.
    static func openCLIPSource(of name: String) -> (key: String, part: Int?, transpose: Bool)? {
        let fixed: [String: (String, Bool)] = [
            "vision_model.embeddings.patch_embedding.weight": ("visual.conv1.weight", false),
            "vision_model.embeddings.class_embedding": ("visual.class_embedding", false),
            "vision_model.embeddings.position_embedding.weight": ("visual.positional_embedding", false),
            "vision_model.pre_layrnorm.weight": ("visual.ln_pre.weight", false),
            "vision_model.pre_layrnorm.bias": ("visual.ln_pre.bias", false),
            "vision_model.post_layernorm.weight": ("visual.ln_post.weight", false),
            "vision_model.post_layernorm.bias": ("visual.ln_post.bias", false),
            "visual_projection.weight": ("visual.proj", true),
            "text_model.embeddings.token_embedding.weight": ("token_embedding.weight", false),
            "text_model.embeddings.position_embedding.weight": ("positional_embedding", false),
            "text_model.final_layer_norm.weight": ("ln_final.weight", false),
            "text_model.final_layer_norm.bias": ("ln_final.bias", false),
            "text_projection.weight": ("text_projection", true),
            "logit_scale": ("logit_scale", false)
        ]
        if let (key, transpose) = fixed[name] { return (key, nil, transpose) }
        // Blocks: `{vision_model,text_model}.encoder.layers.N.<part>` ← `{visual.,}transformer.resblocks.N.<part>`.
        for (hf, oc) in [
            ("vision_model.encoder.layers.", "visual.transformer.resblocks."),
            ("text_model.encoder.layers.", "transformer.resblocks.")
        ] {
            guard name.hasPrefix(hf) else { continue }
            let rest = name.dropFirst(hf.count), dot = rest.firstIndex(of: ".")!
            let block = oc + rest[..<dot] + ".", part = String(rest[rest.index(after: dot)...])
            let parts: [String: String] = [
                "layer_norm1.weight": "ln_1.weight", "layer_norm1.bias": "ln_1.bias",
                "layer_norm2.weight": "ln_2.weight",
                "layer_norm2.bias": "ln_2.bias", "self_attn.out_proj.weight": "attn.out_proj.weight",
                "self_attn.out_proj.bias": "attn.out_proj.bias", "mlp.fc1.weight": "mlp.c_fc.weight",
                "mlp.fc1.bias": "mlp.c_fc.bias",
                "mlp.fc2.weight": "mlp.c_proj.weight", "mlp.fc2.bias": "mlp.c_proj.bias"
            ]
            if let mapped = parts[part] { return (block + mapped, nil, false) }
            for (i, q) in ["q", "k", "v"].enumerated() {
                if part == "self_attn.\(q)_proj.weight" { return (block + "attn.in_proj_weight", i, false) }
                if part == "self_attn.\(q)_proj.bias" { return (block + "attn.in_proj_bias", i, false) }
            }
        }
        return nil
    }
}
