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
            guard entry.shape.reduce(1, *) == slot.count, entry.shape.filter({ $0 != 1 }) == slot.shape.filter({ $0 != 1 }) else {
                throw CLIPError.checkpoint(file: url.path, tensor: slot.name, reason: "shape \(entry.shape), expected \(slot.shape)")
            }
            let values = try file.floats(slot.name)
            (parameters.data + slot.offset).update(from: values.data, count: slot.count)
        }
        let known = Set(layout.slots.map(\.name))
        if let extra = file.entries.keys.sorted().first(where: { !known.contains($0) && !CheckpointLayout.isIgnoredBuffer($0) }) {
            throw CLIPError.checkpoint(file: url.path, tensor: extra, reason: "unexpected tensor for a CLIP model of this config")
        }
    }
}
