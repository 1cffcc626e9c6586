import ArgumentParser
import CLIP
import CLIPBundledModel
import Foundation

/// How a command finds its model: a folder, an open_clip file, a known name or a hub repository id,
/// downloaded into the Hugging Face cache on first use (unless HF_HUB_OFFLINE is set).
///
/// `--model` and `--precision` are optional so that a command can tell "not given" from "given": the
/// library commands then use the library's model (and `clip probe predict` the probe's); every other
/// command uses `ViT-B-32` at fp32 (`name`, `packing`).
struct ModelOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            """
            A known model name (\(KnownModels.all.map(\.name).joined(separator: ", "))), \(BundledModel.name) \
            (the small model trained by this project, shipped with it), a Hugging Face repo id (org/name), a \
            model folder (config.json + model.safetensors, or open_clip_config.json + \
            open_clip_model.safetensors), or an open_clip .safetensors file. Default: the library's model for the \
            library commands (the probe's for clip probe predict), else \(KnownModels.defaultName).
            """
    )
    var model: String?

    @Option(
        name: .long,
        help:
            """
            For an open_clip .safetensors file: its architecture (e.g. ViT-B-32, ViT-B-32-quickgelu) or a model \
            JSON file.
            """
    )
    var modelName: String?

    @Option(
        name: .long,
        help:
            """
            Number format of the transformer layers: fp32 (exact), bf16, int8, or auto (the fastest this CPU \
            runs: int8, else bf16, else fp32). A precision the CPU lacks runs as fp32, with a notice. Default: \
            the library's (or probe's) when --model is not given, else fp32.
            """
    )
    var precision: Precision?

    /// `--model`, else `fallback` (the default model, ViT-B-32).
    func resolvedName(default fallback: String = KnownModels.defaultName) -> String { model ?? fallback }

    /// The model to load: `--model`, else ViT-B-32.
    var name: String { resolvedName() }

    /// The precision to load with; says once on stderr when this CPU forces fp32.
    func packing(smoothing: Bool = true) -> LinearPacking {
        PrecisionNotice.packing(precision ?? .fp32, smoothing: smoothing)
    }

    /// These options where they were not given, filled from `recorded` (the model a library or probe
    /// records): without `--model`, its model, architecture and precision (a `--model-name` or
    /// `--precision` given still wins); with `--model`, these options as they are.
    func following(_ recorded: ModelSpec?) -> ModelOptions {
        guard model == nil, let recorded else { return self }
        var options = self
        options.model = recorded.model
        options.modelName = modelName ?? recorded.modelName
        options.precision = precision ?? recorded.precision
        return options
    }

    /// How the model these options load can be loaded again, from any folder (`ModelSpec`).
    func spec(precision resolved: Precision) -> ModelSpec {
        let reference = name == BundledModel.name ? name : ModelSpec.absolute(name)
        let architecture = modelName.map { $0.hasSuffix(".json") ? ModelSpec.absolute($0) : $0 }
        return ModelSpec(model: reference, modelName: architecture, precision: resolved)
    }

    /// Whether loading would download the model first (a hub model not in the cache): a library command
    /// refuses another model before that, not after.
    var needsDownload: Bool {
        guard name != BundledModel.name else { return false }
        let resolver = ModelResolver(hub: HubClient())
        guard let repo = resolver.repository(for: name) else { return false }
        return resolver.cached(repo) == nil
    }

    /// Resolves `--model` (bundled, cached, downloaded or local) and loads it. `smoothing: false` turns off
    /// int8's outlier folding (a diagnostic for `clip eval precision`).
    func load(towers: Towers, smoothing: Bool = true) throws -> LoadedModel {
        let url = try Self.location(of: name)
        let packing = packing(smoothing: smoothing)
        return try LoadedModel.load(
            url, modelName: modelName, towers: towers, packing: packing,
            known: KnownModels.entry(for: name), spec: spec(precision: packing.precision))
    }
}

extension ModelOptions {
    /// Where the files `reference` names are, decided here for every command: the bundled model's folder,
    /// else what `ModelResolver` finds (a local folder or file, the cache, or a download). Which files that
    /// path holds is `ModelSource`'s to say.
    static func location(of reference: String) throws -> URL {
        let url =
            try BundledModel.folder(named: reference)
            ?? ModelResolver(hub: HubClient()).resolve(reference, progress: DownloadProgressLine.report)
        DownloadProgressLine.finish()
        return url
    }
}

extension Precision: ExpressibleByArgument {}
