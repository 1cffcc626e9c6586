import Foundation

// What callers above `Model/` ask of a model's family, answered by the family through `FamilyTable`, so
// that they read a property of the config or tower and never switch on which family it is.

extension CLIPConfig {
    /// The family that builds this config's image tower.
    var imageFamily: any ModelFamily.Type { FamilyTable.family(of: image.family) }
    /// The family that builds this config's text tower (and its tokenizer).
    var textFamily: any ModelFamily.Type { FamilyTable.family(ofText: text.style) }
}

extension TextConfig {
    /// Whether the text tower reads its whole context whatever a text's length (SigLIP's attends both ways
    /// over its fixed length), rather than stopping at the end-of-text token (CLIP's).
    public var readsWholeContext: Bool { FamilyTable.family(ofText: style).textReadsWholeContext }
}

extension ImageTower {
    /// Whether the tower has transformer blocks whose activations a `BlockObserver` sees.
    public var hasTransformerBlocks: Bool { FamilyTable.family(of: family).imageTowerHasBlocks }
    /// Whether `CLIPTraining`'s backward pass runs on this tower.
    public var hasBackward: Bool { FamilyTable.family(of: family).imageTowerHasBackward }
    /// The preprocessing this tower's family uses at its input size where the model's folder declares none.
    public var preprocessDefaults: PreprocessConfig {
        FamilyTable.family(of: family).preprocessDefaults(imageSize: imageSize)
    }
}

extension PreprocessConfig {
    /// `forModel(folder:defaults:)` over the defaults of the family named `family` (CLIP's unless said).
    public static func forModel(folder: URL?, imageSize: Int, family: FamilyKind = .vit) throws -> PreprocessConfig {
        try forModel(folder: folder, defaults: FamilyTable.family(of: family).preprocessDefaults(imageSize: imageSize))
    }
}
