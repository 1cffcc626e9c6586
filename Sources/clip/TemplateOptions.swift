import ArgumentParser
import CLIP

/// `--templates`: the prompts each label is put into (the CLIP paper's prompt ensembling), for `classify`,
/// `eval zeroshot`, `eval precision` and `lab`. Each command keeps its own default: `lab` uses `simple`, because
/// its bundled model was trained on short captions.
struct TemplateOptions: ParsableArguments {
    @Option(
        name: .long,
        help: """
            imagenet80 (the CLIP paper's 80 prompts), simple ("a photo of a {}."), one template with {}, or a file of \
            templates (one per line); default: imagenet80 (lab: simple).
            """)
    var templates: String?

    /// The templates named, or those of `fallback` where `--templates` was not given.
    func read(default fallback: String = "imagenet80") throws -> [String] {
        try PromptTemplates.named(templates ?? fallback)
    }
}
