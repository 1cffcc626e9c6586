import ArgumentParser
import CLIP
import Foundation

/// How a command finds its model: a folder, an open_clip file, a known name or a hub repository id,
/// downloaded into the Hugging Face cache on first use (unless HF_HUB_OFFLINE is set).
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "A known model name (\(KnownModels.all.map(\.name).joined(separator: ", "))), \(BundledModel.name) (the small model trained by this project, shipped with it), a Hugging Face repo id (org/name), a model folder (config.json + model.safetensors, or open_clip_config.json + open_clip_model.safetensors), or an open_clip .safetensors file.")
    var model: String = KnownModels.defaultName

    @Option(name: .long, help: "For an open_clip .safetensors file: its architecture (e.g. ViT-B-32, ViT-B-32-quickgelu) or a model JSON file.")
    var modelName: String?

    @Option(name: .long, help: "Number format of the transformer layers: fp32 (exact, default), bf16, int8, or auto (the fastest this CPU runs: int8, else bf16, else fp32). A precision the CPU lacks runs as fp32, with a notice.")
    var precision: Precision = .fp32

    /// A loaded model, the folder its tokenizer and preprocessing files may sit in, and an identity for
    /// what was loaded (the weights file, symlinks resolved, and its size), so a library knows its model.
    struct Loaded {
        let model: CLIPModel
        let folder: URL?
        let id: String
        private let tokenizerCache = TokenizerCache()

        init(model: CLIPModel, folder: URL?, id: String) {
            self.model = model; self.folder = folder; self.id = id
        }

        /// The model folder's vocabulary (or the bundled one), truncating at the model's context length;
        /// read once (a folder's vocab.json + merges.txt take ~0.15 s to parse).
        func tokenizer() throws -> Tokenizer {
            try tokenizerCache.get { try Tokenizer.forModel(at: folder, contextLength: model.config.text.contextLength) }
        }

        /// L2-normalised embeddings `[texts, D]`.
        func embedTexts(_ texts: [String]) throws -> Tensor {
            let tokenizer = try tokenizer()
            return try model.requireText().embed(tokens: texts.map { tokenizer.encode($0).ids })
        }
    }

    static func identity(of url: URL) -> String {
        var weights = url
        for name in ["model.safetensors", "open_clip_model.safetensors"] where FileManager.default.fileExists(atPath: url.appendingPathComponent(name).path) {
            weights = url.appendingPathComponent(name)
            break
        }
        let resolved = weights.resolvingSymlinksInPath()
        let size = (try? FileManager.default.attributesOfItem(atPath: resolved.path)[.size] as? Int) ?? 0
        return "\(resolved.path) (\(size) bytes)"
    }

    /// The precision to load with; says once on stderr when this CPU forces fp32.
    func packing(smoothing: Bool = true) -> LinearPacking {
        let packing = LinearPacking(precision, smoothing: smoothing)
        if let notice = packing.notice { PrecisionNotice.once(notice) }
        return packing
    }

    /// `smoothing: false` turns off int8's outlier folding (a diagnostic for `clip eval precision`).
    func load(towers: Towers, smoothing: Bool = true) throws -> Loaded {
        let packing = packing(smoothing: smoothing)
        // fp32 keeps the identity libraries were built with before precisions existed.
        let suffix = packing.precision == .fp32 ? "" : " precision \(packing.precision.rawValue)"
        let url = try BundledModel.folder(named: model) ?? ModelResolver(hub: HubClient()).resolve(model, progress: DownloadProgressLine.report)
        DownloadProgressLine.finish()
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            guard let modelName else {
                throw CLIPError.invalidArgument("\(model) is a file: pass --model-name (e.g. ViT-B-32-quickgelu) or a model JSON")
            }
            if modelName.hasSuffix(".json") {
                let jsonURL = URL(fileURLWithPath: modelName)
                let data: Data
                do { data = try Data(contentsOf: jsonURL) } catch { throw CLIPError.io(file: modelName, reason: error.localizedDescription) }
                let config = try CLIPConfig(openCLIPConfig: data, source: modelName)
                return Loaded(model: try CLIPModel.load(weights: url, config: config, towers: towers, packing: packing),
                              folder: nil, id: Self.identity(of: url) + " " + modelName + suffix)
            }
            return Loaded(model: try CLIPModel.load(openCLIPFile: url, modelName: modelName, towers: towers, packing: packing), folder: nil,
                          id: Self.identity(of: url) + " " + modelName + suffix)
        }
        return Loaded(model: try CLIPModel.load(from: url, towers: towers, packing: packing), folder: url, id: Self.identity(of: url) + suffix)
    }
}

extension Precision: ExpressibleByArgument {}

/// Prints the CPU-fallback notice once per process, however many times a command loads a tower.
enum PrecisionNotice {
    nonisolated(unsafe) private static var said = false
    private static let lock = NSLock()

    static func once(_ notice: String) {
        lock.lock()
        defer { lock.unlock() }
        guard !said else { return }
        said = true
        FileHandle.standardError.write(Data((notice + "\n").utf8))
    }
}

/// Holds a tokenizer once made.
final class TokenizerCache: @unchecked Sendable {
    private let lock = NSLock()
    private var tokenizer: Tokenizer?

    func get(_ make: () throws -> Tokenizer) throws -> Tokenizer {
        lock.lock()
        defer { lock.unlock() }
        if let tokenizer { return tokenizer }
        let made = try make()
        tokenizer = made
        return made
    }
}
