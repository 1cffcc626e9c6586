import CLIP
import Foundation

/// Everything a run needs to continue after a kill: parameters, both AdamW moments and the step, in one
/// safetensors file written atomically (a kill mid-write leaves the previous checkpoint intact).
enum TrainingCheckpoint {
    static let fileName = "checkpoint.safetensors"

    static func save(_ model: TrainableCLIP, optimizer: AdamW, step: Int, settingsKey: String, to folder: URL) throws {
        let metadata = [
            "step": String(step), "adam_step": String(optimizer.step), "config": configKey(model.config),
            "settings": settingsKey, "format": "swiftclip-training-1"
        ]
        func tensor(_ buffer: FlatBuffer) -> Tensor { Tensor(shape: [buffer.count], values: Array(buffer.buffer)) }
        try SafeTensorsWriter.write(
            [
                ("parameters", tensor(model.parameters)), ("first_moment", tensor(optimizer.firstMoment)),
                ("second_moment", tensor(optimizer.secondMoment))
            ],
            metadata: metadata, to: folder.appendingPathComponent(fileName))
    }

    /// Restores the state and returns the number of completed steps. Every mismatch is an error naming the
    /// file: a different model config, different training settings, or a damaged file.
    static func load(into model: TrainableCLIP, optimizer: AdamW, settingsKey: String, from folder: URL) throws -> Int {
        let url = folder.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw CLIPError.input(
                file: url.path, reason: "no checkpoint to resume from (run without --resume to start)")
        }
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(path: url.path) } catch {
            throw CLIPError.input(
                file: url.path,
                reason: "the checkpoint is damaged and cannot be resumed (\(error)); start again without --resume")
        }
        guard file.metadata["format"] == "swiftclip-training-1", let step = file.metadata["step"].flatMap(Int.init),
            let adamStep = file.metadata["adam_step"].flatMap(Int.init)
        else {
            throw CLIPError.input(file: url.path, reason: "not a SwiftCLIP training checkpoint (metadata missing)")
        }
        guard file.metadata["config"] == configKey(model.config) else {
            throw CLIPError.input(file: url.path, reason: "the checkpoint was trained with a different model config")
        }
        guard file.metadata["settings"] == settingsKey else {
            throw CLIPError.input(
                file: url.path,
                reason:
                    """
                    the checkpoint was made with different training settings \
                    (\(file.metadata["settings"] ?? "?")); resume with the same options
                    """
            )
        }
        for (name, buffer) in [
            ("parameters", model.parameters), ("first_moment", optimizer.firstMoment),
            ("second_moment", optimizer.secondMoment)
        ] {
            guard let entry = file.entries[name], entry.dtype == .f32, entry.shape == [buffer.count] else {
                throw CLIPError.checkpoint(
                    file: url.path, tensor: name, reason: "missing or not \(buffer.count) fp32 values")
            }
            let values = try file.floats(name)
            buffer.data.update(from: values.data, count: buffer.count)
        }
        optimizer.step = adamStep
        return step
    }

    static func configKey(_ config: CLIPConfig) -> String {
        let data = try? JSONSerialization.data(withJSONObject: config.huggingFaceJSON(), options: [.sortedKeys])
        return data.map { String(decoding: $0, as: UTF8.self) } ?? ""
    }
}
