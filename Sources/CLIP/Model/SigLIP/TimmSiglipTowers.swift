/// timm's SigLIP image towers by name, as open_clip's SigLIP configs name them
/// (`vision_cfg.timm_model_name`): a name fixes the tower's whole shape, which the config does not repeat.
/// Facts read from timm 1.0's registry (`vit_*_siglip_*` with `global_pool='map'`): widths, depths and heads
/// by size, the patch and input sizes from the name, and the activation, which differs by release — the
/// SigLIP 1 towers use the exact erf GELU, the later (SigLIP 2 era) ones GELU's tanh approximation.
enum TimmSiglipTowers {
    struct Size {
        let width: Int, layers: Int, heads: Int, mlpWidth: Int
    }

    static let sizes: [String: Size] = [
        "base": Size(width: 768, layers: 12, heads: 12, mlpWidth: 3072),
        "large": Size(width: 1024, layers: 24, heads: 16, mlpWidth: 4096),
        "so400m": Size(width: 1152, layers: 27, heads: 16, mlpWidth: 4304),
        "giantopt": Size(width: 1536, layers: 40, heads: 16, mlpWidth: 6144)
    ]

    /// The MAP-pooled towers whose MLP uses GELU's tanh approximation; every other one uses the exact GELU.
    static let tanhGELU: Set<String> = [
        "vit_base_patch32_siglip_256", "vit_giantopt_patch16_siglip_256", "vit_giantopt_patch16_siglip_384",
        "vit_large_patch16_siglip_512", "vit_so400m_patch16_siglip_256", "vit_so400m_patch16_siglip_384",
        "vit_so400m_patch16_siglip_512"
    ]

    /// Every MAP-pooled SigLIP tower timm registers.
    static let names: Set<String> = tanhGELU.union([
        "vit_base_patch16_siglip_224", "vit_base_patch16_siglip_256", "vit_base_patch16_siglip_384",
        "vit_base_patch16_siglip_512",
        "vit_large_patch16_siglip_256", "vit_large_patch16_siglip_384", "vit_so400m_patch14_siglip_224",
        "vit_so400m_patch14_siglip_378", "vit_so400m_patch14_siglip_384"
    ])

    /// The tower a timm name describes: `vit_{size}_patch{P}_siglip_{S}` (a `.tag` after the name, as in
    /// `vit_base_patch16_siglip_224.webli`, names pretrained weights of the same tower), or nil when the
    /// name is not one of timm's MAP-pooled SigLIP towers.
    static func vision(named fullName: String) -> VisionConfig? {
        let name = String(fullName.split(separator: ".", maxSplits: 1).first ?? "")
        guard names.contains(name) else { return nil }
        let parts = name.split(separator: "_")
        guard parts.count == 5, let size = sizes[String(parts[1])], parts[2].hasPrefix("patch"),
            let patch = Int(parts[2].dropFirst(5)), let imageSize = Int(parts[4])
        else { return nil }
        let transformer = TransformerConfig(
            width: size.width, layers: size.layers, heads: size.heads, mlpWidth: size.mlpWidth,
            activation: tanhGELU.contains(name) ? .geluTanh : .gelu, layerNormEps: 1e-6)
        return VisionConfig(transformer: transformer, imageSize: imageSize, patchSize: patch, classToken: false)
    }
}
