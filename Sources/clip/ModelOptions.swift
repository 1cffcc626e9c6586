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

    /// The precision to load with; says once on stderr when this CPU forces fp32.
    func packing(smoothing: Bool = true) -> LinearPacking {
        let packing = LinearPacking(precision, smoothing: smoothing)
        if let notice = packing.notice { PrecisionNotice.once(notice) }
        return packing
    }

    /// Resolves `--model` (bundled, cached, downloaded or local) and loads it. `smoothing: false` turns off
    /// int8's outlier folding (a diagnostic for `clip eval precision`).
    func load(towers: Towers, smoothing: Bool = true) throws -> LoadedModel {
        let url = try BundledModel.folder(named: model) ?? ModelResolver(hub: HubClient()).resolve(model, progress: DownloadProgressLine.report)
        DownloadProgressLine.finish()
        return try LoadedModel.load(url, modelName: modelName, towers: towers, packing: packing(smoothing: smoothing),
                                    known: KnownModels.entry(for: model))
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
