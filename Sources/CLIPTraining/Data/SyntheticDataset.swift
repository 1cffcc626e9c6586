import CLIP
import Foundation

/// Writes a captioned synthetic data set:
/// - `train/captions.tsv` (`images/000001.png<TAB>caption`) and its images, never a held-out colour–shape pair;
/// - `heldout/labels.tsv` (`images/…<TAB>red circle`) and its images: only held-out pairs, for
///   `clip eval zeroshot --data heldout --classes classes.txt --templates templates.txt`;
/// - `classes.txt`: every colour–shape label, the candidate set of that evaluation;
/// - `templates.txt`: prompts for that evaluation, one per size × position × background (their embeddings
///   are averaged, as the CLIP paper ensembles ImageNet prompts);
/// - `heldout-triples/labels.tsv` (`images/…<TAB>red square on the top`) and its images: only held-out
///   colour–shape–position triples (`SyntheticScene.heldOutTriples`, never in training either), for the same
///   evaluation with `triple-classes.txt` (all 96 triples) and `triple-templates.txt` (size × background).
/// Item i is drawn from its own seeded stream, so the set is the same for a seed whatever the thread count.
public enum SyntheticDataset {
    /// The share of training pictures in an unnamed paint (half before; see `SceneRenderer.randomScene`).
    public static let unnamedPaint = 0.65

    /// `trainingVariety` (the default) gives training pictures captions that name colour and shape but only
    /// some other attributes (`SyntheticScene.randomMention`), and two in three an unnamed paint (see
    /// `SceneRenderer.randomScene`); without it every caption names every attribute and every colour has a
    /// name, which reads better in a gallery.
    public static func write(
        to folder: URL, trainCount: Int, heldOutCount: Int, heldOutTripleCount: Int = 0, imageSize: Int = 64,
        seed: UInt64 = 0, trainingVariety: Bool = true, progress: (@Sendable (Int) -> Void)? = nil
    ) throws {
        guard trainCount > 0 else { throw CLIPError.invalidArgument("--count must be positive") }
        guard heldOutCount >= 0, heldOutTripleCount >= 0 else {
            throw CLIPError.invalidArgument("held-out counts cannot be negative")
        }
        let counts: [(Split, Int)] = [
            (.train, trainCount), (.heldOutPairs, heldOutCount), (.heldOutTriples, heldOutTripleCount)
        ]
        for (split, count) in counts where split == .train || count > 0 {
            try FileOutput.createFolder(folder.appendingPathComponent(split.rawValue + "/images"))
        }
        let renderer = SceneRenderer(size: imageSize)
        for (split, count) in counts where count > 0 {
            let heldOut = split != .train
            let base = folder.appendingPathComponent(split.rawValue)
            let lines = UnsafeMutableBufferPointer<String>.allocate(capacity: count)
            lines.initialize(repeating: "")
            defer { lines.deallocate() }
            let failure = LockedError()
            Parallelism.forEachChunk(count) { range in
                for i in range {
                    var random = SeedStream(seed: seed &* 1_000_003 &+ UInt64(i) &+ split.streamOffset)
                    let paint = heldOut || !trainingVariety ? 0 : SyntheticDataset.unnamedPaint
                    var scene = SceneRenderer.randomScene(using: &random, unnamedPaint: paint)
                    while !split.admits(scene) {
                        scene = SceneRenderer.randomScene(using: &random, unnamedPaint: paint)
                    }
                    let mention = trainingVariety ? scene.randomMention(using: &random) : .all
                    let name = String(format: "images/%06d.png", i + 1)
                    do {
                        try PNGEncoder.write(
                            renderer.render(scene, using: &random), to: base.appendingPathComponent(name))
                    } catch {
                        failure.set(error)
                    }
                    let text =
                        switch split {
                        case .train: scene.caption(mentioning: mention)
                        case .heldOutPairs: scene.label
                        case .heldOutTriples: scene.tripleLabel
                        }
                    lines[i] = "\(name)\t\(text)"
                    progress?(i)
                }
            }
            if let error = failure.error { throw error }
            try FileOutput.write(
                lines.joined(separator: "\n") + "\n",
                to: base.appendingPathComponent(heldOut ? "labels.tsv" : "captions.tsv"))
        }
        try FileOutput.write(
            SyntheticScene.allLabels.joined(separator: "\n") + "\n", to: folder.appendingPathComponent("classes.txt"))
        try FileOutput.write(
            SyntheticScene.promptTemplates.joined(separator: "\n") + "\n",
            to: folder.appendingPathComponent("templates.txt"))
        if heldOutTripleCount > 0 {
            try FileOutput.write(
                SyntheticScene.allTripleLabels.joined(separator: "\n") + "\n",
                to: folder.appendingPathComponent("triple-classes.txt"))
            try FileOutput.write(
                SyntheticScene.triplePromptTemplates.joined(separator: "\n") + "\n",
                to: folder.appendingPathComponent("triple-templates.txt"))
        }
    }

    /// A split of the set: its folder, which scenes it draws, and its own random streams.
    public enum Split: String, Sendable {
        case train, heldOutPairs = "heldout", heldOutTriples = "heldout-triples"

        /// Training never shows a held-out pair or triple; each held-out split shows only its own kind.
        public func admits(_ scene: SyntheticScene) -> Bool {
            switch self {
            case .train: !scene.isHeldOut && !scene.isHeldOutTriple
            case .heldOutPairs: scene.isHeldOut
            case .heldOutTriples: scene.isHeldOutTriple
            }
        }

        var streamOffset: UInt64 {
            switch self {
            case .train: 0
            case .heldOutPairs: 1 << 40
            case .heldOutTriples: 2 << 40
            }
        }
    }
}

/// The first error any worker hit.
final class LockedError: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var error: Error?
    func set(_ e: Error) {
        lock.lock()
        if error == nil { error = e }
        lock.unlock()
    }
}
