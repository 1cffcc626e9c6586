import ArgumentParser
import CLIP
import Foundation

/// How a command finds its model.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "A model folder (Hugging Face config.json + model.safetensors, or open_clip_config.json + open_clip_model.safetensors), or an open_clip .safetensors file.")
    var model: String

    @Option(name: .long, help: "For an open_clip .safetensors file: its architecture (e.g. ViT-B-32, ViT-B-32-quickgelu) or a model JSON file.")
    var modelName: String?

    func load(towers: Towers) throws -> CLIPModel {
        let url = URL(fileURLWithPath: model)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            guard let modelName else {
                throw CLIPError.invalidArgument("\(model) is a file: pass --model-name (e.g. ViT-B-32-quickgelu) or a model JSON")
            }
            if modelName.hasSuffix(".json") {
                let jsonURL = URL(fileURLWithPath: modelName)
                let data: Data
                do { data = try Data(contentsOf: jsonURL) } catch { throw CLIPError.io(file: modelName, reason: error.localizedDescription) }
                return try CLIPModel.load(weights: url, config: try CLIPConfig(openCLIPConfig: data, source: modelName), towers: towers)
            }
            return try CLIPModel.load(openCLIPFile: url, modelName: modelName, towers: towers)
        }
        return try CLIPModel.load(from: url, towers: towers)
    }

    /// The folder the tokenizer files may sit in.
    var folder: URL? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: model, isDirectory: &isDirectory), isDirectory.boolValue else { return nil }
        return URL(fileURLWithPath: model)
    }
}
