import Foundation

/// A model loaded for use, as commands and servers need it: the model, the folder its tokenizer and
/// preprocessing files may sit in, and an identity for what was loaded (the weights file with symlinks
/// resolved, its size, the architecture named for an open_clip file, and a precision other than fp32), so a
/// library knows which model built it. Safe to share between threads: the tokenizer is made once, under a
/// lock, and everything else is immutable.
public final class LoadedModel: @unchecked Sendable {
    public let model: CLIPModel
    public let folder: URL?
    public let id: String
    /// How to load this model again (what `--model` named, made absolute), when the caller said: libraries
    /// and probes record it beside `id`.
    public let spec: ModelSpec?
    /// A known model's resize mode, over what its folder declares.
    public let resizeMode: PreprocessConfig.ResizeMode?
    private let lock = NSLock()
    private var cachedTokenizer: (any TextTokenizer)?

    public init(
        model: CLIPModel, folder: URL?, id: String, resizeMode: PreprocessConfig.ResizeMode? = nil,
        spec: ModelSpec? = nil
    ) {
        self.model = model
        self.folder = folder
        self.id = id
        self.spec = spec
        self.resizeMode = resizeMode
    }

    /// Loads `url`: a Hugging Face or open_clip folder, or an open_clip `.safetensors` file with its
    /// architecture (`modelName`: a built-in name such as `ViT-B-32-quickgelu`, or a model JSON file).
    /// `known`: the known model `url` was downloaded as, whose quirks (QuickGELU, squash) apply. `spec`: how
    /// the caller found `url` (see `ModelSpec`), kept with the model.
    public static func load(
        _ url: URL, modelName: String? = nil, towers: Towers = .both,
        packing: LinearPacking = .fp32, known: KnownModels.Entry? = nil,
        spec: ModelSpec? = nil
    ) throws -> LoadedModel {
        // fp32 keeps the identity libraries were built with before precisions existed. The identity names
        // the blocks' precision, not the patch embedding's format, which is bf16 or fp32 by CPU: int8 with
        // either patch agrees to cosine ≥ 0.99995 (bundled model, 600 images), closer than int8 is to fp32,
        // so machines with and without AVX512-BF16 can share an int8 library without re-indexing it.
        let suffix = packing.precision == .fp32 ? "" : " precision \(packing.precision.rawValue)"
        let source = try ModelSource.locate(url)
        if var config = try source.folderConfig() {
            known?.applyQuirks(to: &config)
            let model = try CLIPModel.load(weights: source.weights, config: config, towers: towers, packing: packing)
            return LoadedModel(
                model: model, folder: url, id: identity(of: source.weights) + suffix,
                resizeMode: known?.resizeMode, spec: spec)
        }
        guard let modelName else {
            throw CLIPError.invalidArgument(
                "\(url.path) is a file: pass --model-name (e.g. ViT-B-32-quickgelu) or a model JSON")
        }
        let config = try ModelSource.fileConfig(modelName: modelName)
        let model = try CLIPModel.load(weights: url, config: config, towers: towers, packing: packing)
        return LoadedModel(model: model, folder: nil, id: identity(of: url) + " " + modelName + suffix, spec: spec)
    }

    /// The weights file `ModelSource` chose, symlinks resolved, with its size.
    static func identity(of weights: URL) -> String {
        let resolved = weights.resolvingSymlinksInPath()
        let size = (try? FileManager.default.attributesOfItem(atPath: resolved.path)[.size] as? Int) ?? 0
        return "\(resolved.path) (\(size) bytes)"
    }

    /// The tokenizer of the model's text family (`ModelFamily.tokenizer`), read once: the folder's files
    /// where it has them, else what the family bundles.
    public func tokenizer() throws -> any TextTokenizer {
        lock.lock()
        defer { lock.unlock() }
        if let cachedTokenizer { return cachedTokenizer }
        let text = model.config.text
        let made = try model.config.textFamily.tokenizer(folder: folder, text: text, source: model.source)
        cachedTokenizer = made
        return made
    }

    /// L2-normalised embeddings `[texts, D]`.
    public func embedTexts(_ texts: [String]) throws -> Tensor {
        let tokenizer = try tokenizer()
        return try model.requireText().embed(tokens: tokenizer.ids(texts))
    }

    /// An image embedder with this model's preprocessing (the folder's `preprocessor_config.json`, or the
    /// model's input size with its family's defaults). `fastJPEG` decodes large JPEGs at the smallest DCT scale
    /// that keeps the short side at least twice the input size, then resizes exactly (faster, not bit-exact).
    public func imageEmbedder(
        batchSize: Int = 32, applyEXIFOrientation: Bool = true,
        fastJPEG: Bool = false
    ) throws -> ImageEmbedder {
        let vision = try model.requireVision()
        var config = try PreprocessConfig.forModel(folder: folder, defaults: vision.preprocessDefaults)
        if let resizeMode, resizeMode != .shortest { config.resizeMode = resizeMode }
        let preprocess = ImagePreprocessor(config: config)
        let decode = DecodeOptions(
            applyEXIFOrientation: applyEXIFOrientation,
            jpegScaledShortSide: fastJPEG ? 2 * preprocess.config.size : nil)
        return ImageEmbedder(vision: vision, preprocessor: preprocess, options: decode, batchSize: batchSize)
    }
}
