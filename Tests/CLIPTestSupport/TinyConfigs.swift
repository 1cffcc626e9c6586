import CLIP

/// Tiny random-weight configs of the real architectures, for tests that need a whole model but not its numbers.
public enum TinyConfigs {
    /// A ViT CLIP with 64-wide, 2-layer towers (4 heads, MLP 256, QuickGELU), 64-px images and 32-d embeddings.
    public static func vit64(patchSize: Int) -> CLIPConfig {
        let tower = TransformerConfig(width: 64, layers: 2, heads: 4, mlpWidth: 256, activation: .quickGELU)
        return CLIPConfig(
            vision: VisionConfig(transformer: tower, imageSize: 64, patchSize: patchSize),
            text: TextConfig(transformer: tower), embedDim: 32)
    }
}
