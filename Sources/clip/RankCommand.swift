import ArgumentParser
import CLIP
import Foundation

/// `clip rank`: images sorted by how well a prompt fits them, optionally against an opposing prompt,
/// optionally as a filter.
struct RankCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rank",
        abstract: "Sort images (files or folders) by similarity to a prompt, or by prompt-versus-prompt probability.",
        discussion:
            """
            Without --versus the score is the cosine similarity for CLIP models, and for SigLIP models the \
            model's own probability σ(logit_scale · cos + logit_bias) that image and prompt belong together (0.5 \
            is its \"yes\"). With --versus it is softmax(logit_scale · [cos(prompt), cos(versus)])[0], the \
            probability that the prompt fits better. --threshold keeps images scoring at least that much \
            (moderation and filtering).
            """
    )

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var imageOptions: ImageOptions

    @Argument(help: "Image files or folders.")
    var images: [String]
    @Option(name: .long, help: "The prompt, e.g. \"a beautiful photo\".")
    var prompt: String
    @Option(name: .long, help: "An opposing prompt, e.g. \"an ugly photo\".")
    var versus: String?
    @Option(name: .long, help: "Keep only images scoring at least this.")
    var threshold: Float?
    @Option(name: .long, help: "Show at most this many.")
    var top: Int?
    @Flag(name: .long, help: "Print only paths.")
    var paths = false
    @OptionGroup var format: OutputOptions

    func run() async throws {
        runtime.apply()
        let loaded = try modelOptions.load(towers: .both)
        let texts = try loaded.embedTexts([prompt] + (versus.map { [$0] } ?? []))
        let ranking = PromptRanking(
            prompt: texts.row(0), versus: versus == nil ? nil : texts.row(1), logitScale: loaded.model.logitScale,
            logitBias: loaded.model.logitBias)
        let files = try ImageFiles.collect(images)
        let (embeddings, used) = try imageOptions.embedAvailable(files, with: try imageOptions.embedder(loaded))
        var ranked = ranking.ranked(embeddings, threshold: threshold)
        if let top { ranked = Array(ranked.prefix(top)) }
        if format.json {
            print(try JSONLines.string(ranked.map { ["path": used[$0.index].path, "score": Double($0.score)] }))
        } else {
            for item in ranked {
                print(paths ? used[item.index].path : String(format: "%.4f  %@", item.score, used[item.index].path))
            }
        }
    }
}
