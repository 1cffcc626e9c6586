import Foundation

/// Which files a model is made of, decided once, here, from the path `--model` resolved to (a known name
/// and a hub repository id are folders in the Hugging Face cache by then, through `ModelResolver`, and the
/// bundled model a folder the CLI writes out): where the config is and in which format, and where the
/// weights are. `CLIPModel.load(from:)`, `LoadedModel.load` and `clip train --init` all start from it.
public enum ModelSource: Sendable {
    /// transformers' folder: `config.json` + `model.safetensors`.
    case huggingFaceFolder(config: URL, weights: URL)
    /// open_clip's hub folder: `open_clip_config.json` (the model JSON under `model_cfg`) +
    /// `open_clip_model.safetensors`.
    case openCLIPFolder(config: URL, weights: URL)
    /// A folder with only an OpenAI-named `model.safetensors`: the config is read off its tensors' shapes.
    case stateDictFolder(weights: URL, file: SafeTensorsFile)
    /// A `.safetensors` file alone: its architecture must be named (a built-in open_clip name or a JSON file).
    case file(URL)

    /// What `url` holds, or an error naming what a folder lacks.
    public static func locate(_ url: URL) throws -> ModelSource {
        var isDirectory: ObjCBool = false
        let fm = FileManager.default
        guard fm.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw CLIPError.io(file: url.path, reason: "no such file or folder")
        }
        guard isDirectory.boolValue else { return .file(url) }
        let hfConfig = url.appendingPathComponent("config.json")
        let hfWeights = url.appendingPathComponent("model.safetensors")
        let ocConfig = url.appendingPathComponent("open_clip_config.json")
        let ocWeights = url.appendingPathComponent("open_clip_model.safetensors")
        if fm.fileExists(atPath: hfConfig.path), fm.fileExists(atPath: hfWeights.path) {
            return .huggingFaceFolder(config: hfConfig, weights: hfWeights)
        }
        if fm.fileExists(atPath: ocConfig.path), fm.fileExists(atPath: ocWeights.path) {
            return .openCLIPFolder(config: ocConfig, weights: ocWeights)
        }
        if fm.fileExists(atPath: hfWeights.path) {
            let file = try SafeTensorsFile(path: hfWeights.path)
            if try CheckpointLayout.detect(file) == .openCLIP {
                return .stateDictFolder(weights: hfWeights, file: file)
            }
        }
        throw CLIPError.io(
            file: url.path,
            reason: "folder has neither config.json + model.safetensors (Hugging Face), open_clip_config.json + "
                + "open_clip_model.safetensors (open_clip), nor an OpenAI-named model.safetensors")
    }

    /// The weights file.
    public var weights: URL {
        switch self {
        case let .huggingFaceFolder(_, weights), let .openCLIPFolder(_, weights), let .stateDictFolder(weights, _):
            return weights
        case let .file(url):
            return url
        }
    }

    /// The config a folder declares (or its tensors' shapes); nil for a file, whose architecture is named.
    func folderConfig() throws -> CLIPConfig? {
        switch self {
        case let .huggingFaceFolder(config, _):
            return try CLIPConfig(huggingFaceConfigFile: config)
        case let .openCLIPFolder(config, _):
            return try CLIPConfig(openCLIPHubConfig: try Self.read(path: config.path), source: config.path)
        case let .stateDictFolder(_, file):
            return try CLIPConfig(openAIStateDict: file)
        case .file:
            return nil
        }
    }

    /// The architecture of a lone open_clip file: a model JSON file (`….json`) or a built-in name
    /// (`ViT-B-32`, `ViT-B-32-quickgelu`, …).
    static func fileConfig(modelName: String) throws -> CLIPConfig {
        guard modelName.hasSuffix(".json") else { return try CLIPConfig(openCLIPModelName: modelName) }
        return try CLIPConfig(openCLIPConfig: try read(path: modelName), source: modelName)
    }

    /// The bytes at `path`; an error names the path as it was given.
    private static func read(path: String) throws -> Data {
        do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw CLIPError.io(file: path, reason: error.localizedDescription)
        }
    }
}
