/// Every CLIP model Immich offers (its server's `CLIP_MODEL_INFO`), by Immich's name, with the dimension
/// Immich's database column expects and the original checkpoint behind it: Immich's exporter splits a name
/// at `__` into an open_clip architecture and pretrained tag (`ViT-B-32__openai`), and these are the hub
/// repositories open_clip's `pretrained.py` gives for each pair (Hugging Face's conversion for OpenAI's
/// own weights). A name is served only by its own weights: two names with one architecture are different
/// models, and Immich stores their vectors as such.
///
/// Quirks, as Immich's export has them: OpenAI and DFN weights run QuickGELU. Some QuickGELU-trained
/// LAION 400M, YFCC-15M and CC12M weights are exported under the plain architecture, which open_clip then
/// builds with GELU (it only warns); Immich's stored vectors come from that, so SwiftCLIP runs those names
/// with GELU too (`forcesGELU`).
public enum ImmichModels {
    public struct Entry: Sendable {
        /// Immich's name, `<architecture>__<pretrained>` (M-CLIP's have no tag).
        public let name: String
        /// The embedding width Immich's `smart_search` column is made for.
        public let dimension: Int
        /// What SwiftCLIP loads for this name, or nil where it cannot run it yet (`unsupported` says why).
        public let weights: KnownModels.Entry?
        /// The original checkpoint (hub repository) when `weights` is nil.
        public let source: String
        public let unsupported: String?
    }

    /// The entry for a model name as Immich's server sends it, cleaned as Immich cleans it (the last `/`
    /// component; `:` for `_`, so `immich-app/ViT-B-32::openai` is `ViT-B-32__openai`), or nil.
    public static func entry(for requested: String) -> Entry? { entry(named: cleanName(requested)) }

    /// Immich's `cleanModelName`: the last `/` component, `:` for `_`.
    public static func cleanName(_ requested: String) -> String {
        String(requested.split(separator: "/", omittingEmptySubsequences: false).last ?? "")
            .replacingOccurrences(of: ":", with: "_")
    }

    /// The entry for an Immich name as a person types it (`--model ViT-B-32__openai`, or with `::`), or nil.
    public static func entry(named name: String) -> Entry? {
        let clean = name.replacingOccurrences(of: ":", with: "_")
        return all.first { $0.name == clean }
    }

    /// The Immich names whose weights and quirks `--model reference` loads: an Immich name itself, or the
    /// known short name behind some (`ViT-B-32` → `ViT-B-32__openai`). A folder, a file or a bare repository
    /// id gets none: nothing says its weights and quirks are those Immich's name stands for.
    public static func names(loadedAs reference: String) -> [String] {
        names(loadedAs: reference, dimension: nil).kept
    }

    /// `names(loadedAs:)`, split by whether Immich's dimension for the name is `dimension` (the loaded
    /// model's width): a model of another width cannot be that name's weights (a stand-in, a mislabelled
    /// folder), and is never answered under it.
    public static func names(loadedAs reference: String, dimension: Int?) -> (kept: [String], dropped: [String]) {
        let found = candidates(loadedAs: reference)
        guard let dimension else { return (found, []) }
        let kept = found.filter { entry(named: $0)?.dimension == dimension }
        return (kept, found.filter { !kept.contains($0) })
    }

    private static func candidates(loadedAs reference: String) -> [String] {
        if let entry = entry(named: reference) { return entry.weights == nil ? [] : [entry.name] }
        return all.filter { entry in
            entry.weights.map { $0.name.caseInsensitiveCompare(reference) == .orderedSame } ?? false
        }.map(\.name)
    }

    private static func known(_ name: String, _ dimension: Int, as short: String) -> Entry {
        guard let weights = KnownModels.all.first(where: { $0.name == short }) else {
            preconditionFailure("ImmichModels: no known model \(short)")  // a table typo, caught by the tests
        }
        return Entry(name: name, dimension: dimension, weights: weights, source: weights.repo, unsupported: nil)
    }

    private static func hub(
        _ name: String, _ dimension: Int, _ repo: String, _ architecture: String,
        resize: PreprocessConfig.ResizeMode = .shortest, forcesGELU: Bool = false
    ) -> Entry {
        let weights = KnownModels.Entry(
            name, repo, architecture, "Immich's \(name)", resize: resize, forcesGELU: forcesGELU)
        return Entry(name: name, dimension: dimension, weights: weights, source: repo, unsupported: nil)
    }

    private static func siglip(_ architecture: String, _ dimension: Int) -> Entry {
        hub(architecture + "__webli", dimension, "timm/" + architecture, architecture, resize: .squash)
    }

    /// A name whose text tower is one SwiftCLIP does not run yet (XLM-RoBERTa, LaBSE, NLLB).
    private static func multilingual(_ name: String, _ dimension: Int, _ repo: String) -> Entry {
        Entry(
            name: name, dimension: dimension, weights: nil, source: repo,
            unsupported: "its multilingual text tower (\(repo)) is not one SwiftCLIP runs yet")
    }

    public static let all: [Entry] = [
        // OpenAI's weights, as Hugging Face's conversions of them (the known models).
        known("RN50__openai", 1024, as: "RN50"),
        known("RN101__openai", 512, as: "RN101"),
        known("RN50x4__openai", 640, as: "RN50x4"),
        known("RN50x16__openai", 768, as: "RN50x16"),
        known("RN50x64__openai", 1024, as: "RN50x64"),
        known("ViT-B-32__openai", 512, as: "ViT-B-32"),
        known("ViT-B-16__openai", 512, as: "ViT-B-16"),
        known("ViT-L-14__openai", 768, as: "ViT-L-14"),
        known("ViT-L-14-336__openai", 768, as: "ViT-L-14-336"),
        // Trained with QuickGELU, exported by Immich with GELU (see above).
        hub("RN50__yfcc15m", 1024, "timm/resnet50_clip.yfcc15m", "RN50", forcesGELU: true),
        hub("RN50__cc12m", 1024, "timm/resnet50_clip.cc12m", "RN50", forcesGELU: true),
        hub("RN101__yfcc15m", 512, "timm/resnet101_clip.yfcc15m", "RN101", forcesGELU: true),
        hub(
            "ViT-B-32__laion400m_e31", 512, "timm/vit_base_patch32_clip_224.laion400m_e31", "ViT-B-32",
            forcesGELU: true),
        hub(
            "ViT-B-32__laion400m_e32", 512, "timm/vit_base_patch32_clip_224.laion400m_e32", "ViT-B-32",
            forcesGELU: true),
        // LAION weights trained with GELU.
        known("ViT-B-32__laion2b-s34b-b79k", 512, as: "ViT-B-32-laion2b"),
        hub("ViT-B-32__laion2b_e16", 512, "timm/vit_base_patch32_clip_224.laion2b_e16", "ViT-B-32"),
        hub("ViT-B-16__laion400m_e31", 512, "timm/vit_base_patch16_clip_224.laion400m_e31", "ViT-B-16"),
        hub("ViT-B-16__laion400m_e32", 512, "timm/vit_base_patch16_clip_224.laion400m_e32", "ViT-B-16"),
        known("ViT-B-16-plus-240__laion400m_e31", 640, as: "ViT-B-16-plus-240"),
        hub(
            "ViT-B-16-plus-240__laion400m_e32", 640, "timm/vit_base_patch16_plus_clip_240.laion400m_e32",
            "ViT-B-16-plus-240"),
        hub("ViT-L-14__laion400m_e31", 768, "timm/vit_large_patch14_clip_224.laion400m_e31", "ViT-L-14"),
        hub("ViT-L-14__laion400m_e32", 768, "timm/vit_large_patch14_clip_224.laion400m_e32", "ViT-L-14"),
        hub("ViT-L-14__laion2b-s32b-b82k", 768, "laion/CLIP-ViT-L-14-laion2B-s32B-b82K", "ViT-L-14"),
        known("ViT-H-14__laion2b-s32b-b79k", 1024, as: "ViT-H-14-laion2b"),
        hub("ViT-g-14__laion2b-s12b-b42k", 1024, "laion/CLIP-ViT-g-14-laion2B-s12B-b42K", "ViT-g-14"),
        // Apple DFN (QuickGELU architectures; DFN5B squashes).
        known("ViT-L-14-quickgelu__dfn2b", 768, as: "ViT-L-14-dfn2b"),
        known("ViT-H-14-quickgelu__dfn5b", 1024, as: "ViT-H-14-dfn5b"),
        known("ViT-H-14-378-quickgelu__dfn5b", 1024, as: "ViT-H-14-378-dfn5b"),
        // SigLIP and SigLIP 2 (timm's open_clip repositories, squash resize).
        known("ViT-B-16-SigLIP__webli", 768, as: "ViT-B-16-SigLIP"),
        siglip("ViT-B-16-SigLIP-256", 768),
        known("ViT-B-16-SigLIP-384__webli", 768, as: "ViT-B-16-SigLIP-384"),
        siglip("ViT-B-16-SigLIP-512", 768),
        siglip("ViT-B-16-SigLIP-i18n-256", 768),
        siglip("ViT-L-16-SigLIP-256", 1024),
        known("ViT-L-16-SigLIP-384__webli", 1024, as: "ViT-L-16-SigLIP-384"),
        known("ViT-SO400M-14-SigLIP-384__webli", 1152, as: "ViT-SO400M-14-SigLIP-384"),
        known("ViT-B-16-SigLIP2__webli", 768, as: "ViT-B-16-SigLIP2"),
        known("ViT-B-32-SigLIP2-256__webli", 768, as: "ViT-B-32-SigLIP2-256"),
        siglip("ViT-L-16-SigLIP2-256", 1024),
        siglip("ViT-L-16-SigLIP2-384", 1024),
        siglip("ViT-L-16-SigLIP2-512", 1024),
        known("ViT-SO400M-14-SigLIP2__webli", 1152, as: "ViT-SO400M-14-SigLIP2"),
        siglip("ViT-SO400M-14-SigLIP2-378", 1152),
        siglip("ViT-SO400M-16-SigLIP2-256", 1152),
        siglip("ViT-SO400M-16-SigLIP2-384", 1152),
        siglip("ViT-SO400M-16-SigLIP2-512", 1152),
        siglip("ViT-gopt-16-SigLIP2-256", 1536),
        siglip("ViT-gopt-16-SigLIP2-384", 1536),
        // Multilingual text towers: M-CLIP's (each beside an open_clip image tower), open_clip's XLM-RoBERTa
        // and NLLB-SigLIP.
        multilingual("XLM-Roberta-Large-Vit-B-32", 512, "M-CLIP/XLM-Roberta-Large-Vit-B-32"),
        multilingual("XLM-Roberta-Large-Vit-B-16Plus", 640, "M-CLIP/XLM-Roberta-Large-Vit-B-16Plus"),
        multilingual("XLM-Roberta-Large-Vit-L-14", 768, "M-CLIP/XLM-Roberta-Large-Vit-L-14"),
        multilingual("LABSE-Vit-L-14", 768, "M-CLIP/LABSE-Vit-L-14"),
        multilingual(
            "XLM-Roberta-Base-ViT-B-32__laion5b_s13b_b90k", 512,
            "laion/CLIP-ViT-B-32-xlm-roberta-base-laion5B-s13B-b90k"),
        multilingual(
            "XLM-Roberta-Large-ViT-H-14__frozen_laion5b_s13b_b90k", 1024,
            "laion/CLIP-ViT-H-14-frozen-xlm-roberta-large-laion5B-s13B-b90k"),
        multilingual("nllb-clip-base-siglip__v1", 768, "visheratin/nllb-clip-base-siglip"),
        multilingual("nllb-clip-large-siglip__v1", 1152, "visheratin/nllb-clip-large-siglip"),
        multilingual("nllb-clip-base-siglip__mrl", 768, "visheratin/nllb-siglip-mrl-base"),
        multilingual("nllb-clip-large-siglip__mrl", 1152, "visheratin/nllb-siglip-mrl-large")
    ]
}
