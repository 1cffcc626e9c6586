import CLIP
import Foundation

/// Writes a captioned synthetic data set:
/// - `train/captions.tsv` (`images/000001.png<TAB>caption`) and its images, never a held-out colour–shape pair;
/// - `heldout/labels.tsv` (`images/…<TAB>red circle`) and its images: only held-out pairs, for
///   `clip eval zeroshot --data heldout --classes classes.txt --templates templates.txt`;
/// - `classes.txt`: every colour–shape label, the candidate set of that evaluation;
/// - `templates.txt`: prompts for that evaluation, one per size × position × background (their embeddings
///   are averaged, as the CLIP paper ensembles ImageNet prompts).
/// Item i is drawn from its own seeded stream, so the set is the same for a seed whatever the thread count.
public enum SyntheticDataset {
    /// `trainingVariety` (the default) gives training pictures captions that name colour and shape but only
    /// some other attributes (`SyntheticScene.randomMention`), and half of them an unnamed paint (see
    /// `SceneRenderer.randomScene`); without it every caption names every attribute and every colour has a
    /// name, which reads better in a gallery.
    public static func write(
        to folder: URL, trainCount: Int, heldOutCount: Int, imageSize: Int = 64, seed: UInt64 = 0,
        trainingVariety: Bool = true, progress: (@Sendable (Int) -> Void)? = nil
    ) throws {
        guard trainCount > 0, heldOutCount >= 0 else { throw CLIPError.invalidArgument("--count must be positive") }
        for sub in ["train/images", "heldout/images"] {
            try FileOutput.createFolder(folder.appendingPathComponent(sub))
        }
        let renderer = SceneRenderer(size: imageSize)
        for (split, count, heldOut) in [("train", trainCount, false), ("heldout", heldOutCount, true)] where count > 0 {
            let base = folder.appendingPathComponent(split)
            let lines = UnsafeMutableBufferPointer<String>.allocate(capacity: count)
            lines.initialize(repeating: "")
            defer { lines.deallocate() }
            let failure = LockedError()
            Parallelism.forEachChunk(count) { range in
                for i in range {
                    var random = SeedStream(seed: seed &* 1_000_003 &+ UInt64(i) &+ (heldOut ? 1 << 40 : 0))
                    let paint = heldOut || !trainingVariety ? 0 : 0.5
                    var scene = SceneRenderer.randomScene(using: &random, unnamedPaint: paint)
                    while scene.isHeldOut != heldOut {
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
                    lines[i] = "\(name)\t\(heldOut ? scene.label : scene.caption(mentioning: mention))"
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
