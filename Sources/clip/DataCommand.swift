import ArgumentParser
import CLIP
import CLIPTraining
import Foundation

/// `clip data synth`: a captioned synthetic data set for training and for measuring zero-shot transfer to
/// colour–shape pairs and colour–shape–position triples never seen in training.
struct DataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data", abstract: "Make training data.", subcommands: [Synth.self])

    struct Synth: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                """
                Draw captioned pictures of coloured shapes (train/ with captions.tsv; heldout/ and \
                heldout-triples/ with labels.tsv; classes.txt, triple-classes.txt and their templates).
                """
        )

        @Option(name: .long, help: "Output folder.")
        var out: String
        @Option(name: .long, help: "Training pictures.")
        var count = 10_000
        @Option(name: .long, help: "Pictures of held-out colour–shape pairs (evaluation only).")
        var heldout = 500
        @Option(name: .long, help: "Pictures of held-out colour–shape–position triples (evaluation only).")
        var heldoutTriples = 500
        @Option(name: .long, help: "Picture side in pixels.")
        var size = 64
        @Option(name: .long, help: "Random seed (same seed, same data set).")
        var seed: UInt64 = 0

        func validate() throws {
            guard count > 0 else { throw ValidationError("--count must be positive") }
            guard heldout >= 0 else { throw ValidationError("--heldout cannot be negative") }
            guard heldoutTriples >= 0 else { throw ValidationError("--heldout-triples cannot be negative") }
            guard (16...1024).contains(size) else { throw ValidationError("--size must be between 16 and 1024") }
        }

        func run() async throws {
            let start = Date()
            try SyntheticDataset.write(
                to: URL(fileURLWithPath: out), trainCount: count, heldOutCount: heldout,
                heldOutTripleCount: heldoutTriples, imageSize: size, seed: seed)
            print(
                String(
                    format:
                        "wrote %d training, %d held-out-pair and %d held-out-triple pictures (%dx%d) to %@ in %.1f s",
                    count, heldout, heldoutTriples, size, size, out, Date().timeIntervalSince(start)))
            print("held-out colour–shape pairs: " + SyntheticScene.heldOutPairs.sorted().joined(separator: ", "))
            print(
                "held-out colour–shape–position triples: "
                    + SyntheticScene.heldOutTriples.sorted().joined(separator: ", "))
        }
    }
}
