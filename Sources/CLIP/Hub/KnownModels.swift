/// Short names for the checkpoints people use most, mapped to their Hugging Face repositories
/// (HF `CLIPModel` layout: `config.json` + `model.safetensors`).
public enum KnownModels {
    public struct Entry: Sendable {
        public let name: String
        public let repo: String
        public let summary: String
    }

    public static let defaultName = "ViT-B-32"

    public static let all: [Entry] = [
        Entry(name: "ViT-B-32", repo: "openai/clip-vit-base-patch32", summary: "OpenAI ViT-B/32, 224 px, 512-d (default)"),
        Entry(name: "ViT-B-16", repo: "openai/clip-vit-base-patch16", summary: "OpenAI ViT-B/16, 224 px, 512-d"),
        Entry(name: "ViT-L-14", repo: "openai/clip-vit-large-patch14", summary: "OpenAI ViT-L/14, 224 px, 768-d"),
        Entry(name: "ViT-L-14-336", repo: "openai/clip-vit-large-patch14-336", summary: "OpenAI ViT-L/14, 336 px, 768-d"),
        Entry(name: "ViT-B-32-laion2b", repo: "laion/CLIP-ViT-B-32-laion2B-s34B-b79K", summary: "LAION-2B ViT-B/32, 224 px, 512-d"),
        Entry(name: "ViT-H-14-laion2b", repo: "laion/CLIP-ViT-H-14-laion2B-s32B-b79K", summary: "LAION-2B ViT-H/14, 224 px, 1024-d"),
    ]

    /// The repository for a short name (case-insensitive), or nil.
    public static func repo(for name: String) -> String? {
        all.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.repo
    }

    /// The files of one checkpoint layout on the hub: those it needs, and those used when present.
    public struct Layout: Sendable {
        public let required: [String]
        public let optional: [String]
    }

    /// Hugging Face `CLIPModel` (tokenizer and preprocessing files optional).
    public static let huggingFace = Layout(required: ["config.json", "model.safetensors"],
                                           optional: ["preprocessor_config.json", "vocab.json", "merges.txt", "tokenizer_config.json"])
    /// open_clip's hub layout (many LAION and DataComp repositories have only this).
    public static let openCLIP = Layout(required: ["open_clip_config.json", "open_clip_model.safetensors"], optional: [])
    /// Tried in this order.
    public static let layouts = [huggingFace, openCLIP]
}
