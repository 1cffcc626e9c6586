import ArgumentParser
import CLIP
import CLIPBundledModel
import CLIPSearch
import CLIPTraining
import Foundation

/// `clip demo`: the whole path offline, with the model this project trained: generate a gallery, index it,
/// search it by text and by image, and classify pictures of colour–shape pairs the model never saw.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract:
            """
                Offline demo: make a synthetic gallery, index it, run text and reverse-image searches and zero-shot \
                classification.
                """
    )

    @Option(name: .long, help: "Folder for the gallery and its library (default: a new temporary folder).")
    var out: String?
    @Option(name: .long, help: "Gallery pictures.")
    var count = 400
    @Option(name: .long, help: "Held-out pictures to classify zero-shot.")
    var heldout = 120
    @Option(name: .long, help: "Model (default: the bundled synthetic-shapes model).")
    var model = BundledModel.name
    @OptionGroup var runtime: RuntimeOptions

    static let queries = [
        "a red square", "two small blue circles", "a large yellow triangle on a black background",
        "three crosses on the left", "a purple shape on the top of a white background"
    ]

    func run() async throws {
        runtime.apply()
        let began = Date()
        let root = URL(fileURLWithPath: out ?? (NSTemporaryDirectory() + "clip-demo-\(getpid())"))
        let modelOptions = try ModelOptions.parse(["--model", model])
        let imageOptions = try ImageOptions.parse([])
        // The demo's own library: a demo run with another --model re-indexes it.
        let libraryOptions = try LibraryOptions.parse([
            "--library", root.appendingPathComponent("library").path, "--reindex"
        ])
        let loaded = try modelOptions.load(towers: .both)
        let size = loaded.model.config.image.imageSize
        say(
            """
                model: \(model) (\(String(format: "%.2f", Double(try parameterCount(loaded)) / 1e6))M parameters), \
                \(Parallelism.threads) threads
                """
        )

        var start = Date()
        let data = root.appendingPathComponent("gallery")
        try SyntheticDataset.write(
            to: data, trainCount: count, heldOutCount: heldout, imageSize: size, seed: 2026,
            trainingVariety: false)
        let gallery = data.appendingPathComponent("train/images").path
        let pairs = try CaptionedImages.load(data.appendingPathComponent("train").path)
        let captions = Dictionary(
            zip(pairs.images.map { URL(fileURLWithPath: $0).lastPathComponent }, pairs.captions),
            uniquingKeysWith: { first, _ in first })
        say(
            String(
                format: "generated %d gallery pictures and %d held-out pictures in %@ (%.2f s)", count, heldout,
                data.path, Date().timeIntervalSince(start)))

        start = Date()
        let store = try await libraryOptions.openStore()
        try await libraryOptions.bind(store, to: loaded, modelGiven: true)
        let report = try await libraryOptions.update(store, roots: [gallery], model: modelOptions, images: imageOptions)
        let indexSeconds = Date().timeIntervalSince(start)
        say(
            String(
                format: "indexed %d pictures in %.2f s (%.0f/s)\n", report.embedded, indexSeconds,
                Double(report.embedded) / max(indexSeconds, 1e-9)))

        func show(_ results: [(path: String, score: Float)]) {
            for r in results {
                let name = URL(fileURLWithPath: r.path).lastPathComponent
                say(String(format: "    %.3f  %@  \"%@\"", r.score, name, captions[name] ?? "?"))
            }
        }
        for query in Self.queries {
            start = Date()
            let vector = try loaded.embedTexts([query]).row(0)
            let results = try await LibrarySearch.search(store, roots: [gallery], query: vector, k: 3)
            say(String(format: "search \"%@\"  (%.1f ms)", query, 1000 * Date().timeIntervalSince(start)))
            show(results)
        }

        let probe = URL(fileURLWithPath: gallery).appendingPathComponent("000001.png").path
        start = Date()
        let embedder = try imageOptions.embedder(loaded)
        let probeVector = try embedder.embed(files: [probe]).row(0)
        let similar = try await LibrarySearch.search(store, roots: [gallery], query: probeVector, k: 4).filter {
            $0.path != probe
        }.prefix(3)
        say(
            String(
                format: "\nreverse image search from 000001.png \"%@\"  (%.1f ms)", captions["000001.png"] ?? "?",
                1000 * Date().timeIntervalSince(start)))
        show(Array(similar))

        start = Date()
        let set = try LabeledImages.load(data.appendingPathComponent("heldout").path)
            .relabeled(candidates: SyntheticScene.allLabels, source: "classes")
        let classifier = try ZeroShotClassifier(
            text: try loaded.model.requireText(), tokenizer: try loaded.tokenizer(), labels: set.classes,
            templates: SyntheticScene.promptTemplates, logitScale: loaded.model.logitScale,
            logitBias: loaded.model.logitBias)
        let features = try embedder.embed(files: set.files)
        let top = classifier.top(1, features)
        let correct = zip(top, set.labels).filter { $0[0].label == set.classes[$1] }.count
        say(
            String(
                format:
                    """
                        \nzero-shot on %d pictures of colour–shape pairs never seen in training (%@), among all %d \
                        pairs: top-1 %.1f%%  (%.2f s)
                        """,
                set.files.count, SyntheticScene.heldOutPairs.sorted().joined(separator: ", "), set.classes.count,
                100 * Double(correct) / Double(max(set.files.count, 1)), Date().timeIntervalSince(start)))
        for i in 0..<min(6, set.files.count) {
            let p = top[i][0]
            say(
                String(
                    format: "    %@  truth: %@  predicted: %@ (%.0f%%)",
                    URL(fileURLWithPath: set.files[i]).lastPathComponent,
                    set.classes[set.labels[i]], p.label, 100 * p.probability))
        }
        say(
            String(
                format: "\ndemo done in %.2f s; gallery and library in %@", Date().timeIntervalSince(began), root.path))
    }

    /// Unbuffered, so the lines stay in order with the indexer's summary on stderr.
    private func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

    private func parameterCount(_ loaded: LoadedModel) throws -> Int {
        guard let folder = loaded.folder else { return 0 }
        let file = try SafeTensorsFile(path: folder.appendingPathComponent("model.safetensors").path)
        return file.entries.values.reduce(0) { $0 + $1.shape.reduce(1, *) }
    }
}
