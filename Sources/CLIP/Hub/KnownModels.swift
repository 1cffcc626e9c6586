/// Short names for the checkpoints people use most, mapped to their Hugging Face repositories (the ids
/// open_clip's `pretrained.py` names), each with its architecture and the quirks its `pretrained.py` tag
/// carries: QuickGELU (OpenAI, DFN and MetaCLIP weights were trained with it, whatever a hub config says)
/// and DFN5B's `squash` resize.
public enum KnownModels {
    public struct Entry: Sendable {
        public let name: String
        public let repo: String
        public let summary: String
        /// The open_clip architecture (its shape; `-quickgelu`: QuickGELU activations).
        public let architecture: String
        /// How images are resized to the input (open_clip's `resize_mode`).
        public let resizeMode: PreprocessConfig.ResizeMode
        /// GELU whatever the checkpoint's config says: Immich's export of some QuickGELU-trained weights
        /// (`ImmichModels`), which SwiftCLIP follows so that the vectors match those Immich stored.
        let forcesGELU: Bool

        init(
            _ name: String, _ repo: String, _ architecture: String, _ summary: String,
            resize: PreprocessConfig.ResizeMode = .shortest, forcesGELU: Bool = false
        ) {
            self.name = name
            self.repo = repo
            self.architecture = architecture
            self.summary = summary
            resizeMode = resize
            self.forcesGELU = forcesGELU
        }

        /// The architecture's shape (no download needed).
        public var config: CLIPConfig { get throws { try CLIPConfig(openCLIPModelName: architecture) } }

        /// The tag's activation, applied over what the checkpoint's own config says (a hub config written
        /// without `quick_gelu` would otherwise run QuickGELU weights with GELU).
        public func applyQuirks(to config: inout CLIPConfig) {
            if architecture.hasSuffix("-quickgelu") { config.useQuickGELU() }
            if forcesGELU { config.useActivation(.gelu) }
        }
    }

    public static let defaultName = "ViT-B-32"

    public static let all: [Entry] = [
        Entry("ViT-B-32", "openai/clip-vit-base-patch32", "ViT-B-32-quickgelu", "OpenAI ViT-B/32 (default)"),
        Entry("ViT-B-16", "openai/clip-vit-base-patch16", "ViT-B-16-quickgelu", "OpenAI ViT-B/16"),
        Entry("ViT-L-14", "openai/clip-vit-large-patch14", "ViT-L-14-quickgelu", "OpenAI ViT-L/14"),
        Entry(
            "ViT-L-14-336", "openai/clip-vit-large-patch14-336", "ViT-L-14-336-quickgelu", "OpenAI ViT-L/14 at 336 px"),
        Entry("RN50", "timm/resnet50_clip.openai", "RN50-quickgelu", "OpenAI ResNet-50 (ModifiedResNet)"),
        Entry("RN101", "timm/resnet101_clip.openai", "RN101-quickgelu", "OpenAI ResNet-101"),
        Entry("RN50x4", "timm/resnet50x4_clip.openai", "RN50x4-quickgelu", "OpenAI ResNet-50 ×4 width"),
        Entry("RN50x16", "timm/resnet50x16_clip.openai", "RN50x16-quickgelu", "OpenAI ResNet-50 ×16 compute"),
        Entry("RN50x64", "timm/resnet50x64_clip.openai", "RN50x64-quickgelu", "OpenAI ResNet-50 ×64 compute"),
        Entry("ViT-B-32-laion2b", "laion/CLIP-ViT-B-32-laion2B-s34B-b79K", "ViT-B-32", "LAION-2B ViT-B/32"),
        Entry("ViT-H-14-laion2b", "laion/CLIP-ViT-H-14-laion2B-s32B-b79K", "ViT-H-14", "LAION-2B ViT-H/14"),
        Entry(
            "ViT-B-32-256-datacomp", "laion/CLIP-ViT-B-32-256x256-DataComp-s34B-b86K", "ViT-B-32-256",
            "DataComp-1B ViT-B/32 at 256 px (8×8 grid)"),
        Entry(
            "ViT-B-16-plus-240", "timm/vit_base_patch16_plus_clip_240.laion400m_e31", "ViT-B-16-plus-240",
            "LAION-400M ViT-B/16+ at 240 px"),
        Entry("ViT-B-16-dfn2b", "apple/DFN2B-CLIP-ViT-B-16", "ViT-B-16-quickgelu", "Apple DFN-2B ViT-B/16"),
        Entry("ViT-L-14-dfn2b", "apple/DFN2B-CLIP-ViT-L-14", "ViT-L-14-quickgelu", "Apple DFN-2B ViT-L/14"),
        Entry(
            "ViT-H-14-dfn5b", "apple/DFN5B-CLIP-ViT-H-14", "ViT-H-14-quickgelu",
            "Apple DFN-5B ViT-H/14 (squash resize)", resize: .squash),
        Entry(
            "ViT-H-14-378-dfn5b", "apple/DFN5B-CLIP-ViT-H-14-378", "ViT-H-14-378-quickgelu",
            "Apple DFN-5B ViT-H/14 at 378 px (squash resize)", resize: .squash),
        Entry(
            "ViT-B-32-metaclip", "timm/vit_base_patch32_clip_224.metaclip_400m", "ViT-B-32-quickgelu",
            "MetaCLIP 400M ViT-B/32"),
        Entry(
            "ViT-B-16-metaclip", "timm/vit_base_patch16_clip_224.metaclip_400m", "ViT-B-16-quickgelu",
            "MetaCLIP 400M ViT-B/16"),
        Entry(
            "ViT-L-14-metaclip", "timm/vit_large_patch14_clip_224.metaclip_400m", "ViT-L-14-quickgelu",
            "MetaCLIP 400M ViT-L/14"),
        Entry(
            "ViT-H-14-metaclip", "timm/vit_huge_patch14_clip_224.metaclip_2pt5b", "ViT-H-14-quickgelu",
            "MetaCLIP 2.5B ViT-H/14"),
        // SigLIP and SigLIP 2 as open_clip publishes them (timm towers; what Immich downloads). Sigmoid scores,
        // squash resize (open_clip's _slpcfg); google/siglip-* folders in transformers' layout load too.
        Entry(
            "ViT-B-16-SigLIP", "timm/ViT-B-16-SigLIP", "ViT-B-16-SigLIP",
            "Google SigLIP ViT-B/16 (sigmoid scores, squash resize)", resize: .squash),
        Entry(
            "ViT-B-16-SigLIP-384", "timm/ViT-B-16-SigLIP-384", "ViT-B-16-SigLIP-384",
            "Google SigLIP ViT-B/16 at 384 px", resize: .squash),
        Entry(
            "ViT-L-16-SigLIP-384", "timm/ViT-L-16-SigLIP-384", "ViT-L-16-SigLIP-384",
            "Google SigLIP ViT-L/16 at 384 px", resize: .squash),
        Entry(
            "ViT-SO400M-14-SigLIP", "timm/ViT-SO400M-14-SigLIP", "ViT-SO400M-14-SigLIP",
            "Google SigLIP SO400M/14 (16-token texts)", resize: .squash),
        Entry(
            "ViT-SO400M-14-SigLIP-384", "timm/ViT-SO400M-14-SigLIP-384", "ViT-SO400M-14-SigLIP-384",
            "Google SigLIP SO400M/14 at 384 px", resize: .squash),
        Entry(
            "ViT-B-16-SigLIP2", "timm/ViT-B-16-SigLIP2", "ViT-B-16-SigLIP2",
            "Google SigLIP 2 ViT-B/16 (Gemma tokenizer)", resize: .squash),
        Entry(
            "ViT-B-32-SigLIP2-256", "timm/ViT-B-32-SigLIP2-256", "ViT-B-32-SigLIP2-256",
            "Google SigLIP 2 ViT-B/32 at 256 px", resize: .squash),
        Entry(
            "ViT-SO400M-14-SigLIP2", "timm/ViT-SO400M-14-SigLIP2", "ViT-SO400M-14-SigLIP2", "Google SigLIP 2 SO400M/14",
            resize: .squash)
    ]

    /// The entry for a short name (case-insensitive) or an Immich model name (`ViT-B-32__openai`), or nil.
    public static func entry(for name: String) -> Entry? {
        all.first { $0.name.caseInsensitiveCompare(name) == .orderedSame } ?? ImmichModels.entry(named: name)?.weights
    }

    /// The repository for a short name (case-insensitive), or nil.
    public static func repo(for name: String) -> String? { entry(for: name)?.repo }

    /// The files of one checkpoint layout on the hub: those it needs, and those used when present.
    public struct Layout: Sendable {
        public let required: [String]
        public let optional: [String]
    }

    /// Hugging Face `CLIPModel` (tokenizer and preprocessing files optional).
    public static let huggingFace = Layout(
        required: ["config.json", "model.safetensors"],
        optional: [
            "preprocessor_config.json", "vocab.json", "merges.txt", "tokenizer_config.json", "spiece.model",
            "tokenizer.json", "tokenizer.model"
        ])
    /// open_clip's hub layout (many LAION and DataComp repositories have only this; SigLIP's keep their
    /// SentencePiece tokenizer beside it).
    public static let openCLIP = Layout(
        required: ["open_clip_config.json", "open_clip_model.safetensors"],
        optional: ["tokenizer.json", "tokenizer_config.json", "spiece.model", "tokenizer.model"])
    /// Tried in this order.
    public static let layouts = [huggingFace, openCLIP]
}
