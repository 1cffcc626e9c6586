import CLIP
import CLIPSearch
import CLIPTestSupport
import Foundation
import XCTest

/// The fixtures this target uses (CLIPTestSupport's), and the model its libraries are built with.
enum SearchFixtures {
    static let root = Fixtures.root
    static let model = root.appendingPathComponent("engine/hf_gelu_p14_fp16")
    static func url(_ path: String) -> URL { root.appendingPathComponent(path) }
}

/// The test PostgreSQL server's URL (`CLIP_TEST_DATABASE_URL`) with a schema of `test`'s own, dropped when the
/// test ends; the test is skipped where no server is set.
func postgresSchemaURL(_ test: XCTestCase, prefix: String) throws -> String {
    guard let base = PostgresStoreTests.url else {
        throw XCTSkip(
            """
            CLIP_TEST_DATABASE_URL is not set: start a server with `scripts/postgres.sh start DIR` and export \
            the URL it prints (scripts/test.sh does)
            """
        )
    }
    let schema = prefix + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
    let url = base + (base.contains("?") ? "&" : "?") + "schema=\(schema)"
    test.addTeardownBlock {
        if let library = try? await PostgresStore.connect(url) {
            try? await library.dropSchema()
            await library.close()
        }
    }
    return url
}

/// A gallery: the two generated families, a photo, a file with odd characters in its name, a corrupt
/// file, an empty file, a text file named .png, a hidden folder and a symlink loop.
func makeGallery(in folder: URL) throws -> (good: Int, bad: Int) {
    let fm = FileManager.default
    try fm.createDirectory(at: folder.appendingPathComponent("stripes"), withIntermediateDirectories: true)
    try fm.createDirectory(at: folder.appendingPathComponent(".hidden"), withIntermediateDirectories: true)
    for family in ["circles", "stripes"] {
        for i in 0..<12 {
            let name = String(format: "%02d.png", i)
            let destination =
                family == "circles"
                ? folder.appendingPathComponent("c\(name)") : folder.appendingPathComponent("stripes/\(name)")
            try fm.copyItem(at: SearchFixtures.url("tasks/\(family)/\(name)"), to: destination)
        }
    }
    try fm.copyItem(
        at: SearchFixtures.url("images/rgb_224.jpg"), to: folder.appendingPathComponent("photo one ✓ \n newline.jpg"))
    try fm.copyItem(at: SearchFixtures.url("images/rgb.png"), to: folder.appendingPathComponent(".hidden/secret.png"))
    try Data("not an image".utf8).write(to: folder.appendingPathComponent("notes.png"))
    try Data().write(to: folder.appendingPathComponent("empty.jpg"))
    let jpeg = try Data(contentsOf: SearchFixtures.url("images/rgb_baseline.jpg"))
    try jpeg.prefix(jpeg.count / 3).write(to: folder.appendingPathComponent("truncated.jpg"))
    try fm.createSymbolicLink(
        atPath: folder.appendingPathComponent("stripes/loop").path, withDestinationPath: folder.path)
    return (25, 3)
}

/// `count` more pictures in `folder` (copies of four fixtures: JPEG, progressive JPEG, WebP, PNG), so that
/// indexing runs long enough to be interrupted; returns `count`.
func addPhotos(_ count: Int, to folder: URL) throws -> Int {
    for i in 0..<count {
        try FileManager.default.copyItem(
            at: SearchFixtures.url("images/\(["rgb_224.jpg", "rgb_progressive.jpg", "lossy.webp", "rgb.png"][i % 4])"),
            to: folder.appendingPathComponent("extra \(i).\(["jpg", "jpg", "webp", "png"][i % 4])"))
    }
    return count
}

struct SearchModel {
    let model: CLIPModel
    let id = "fixture hf_gelu_p14_fp16"
    var embedder: ImageEmbedder {
        let vision = model.vision!
        return ImageEmbedder(
            vision: vision, preprocessor: ImagePreprocessor(config: PreprocessConfig(size: vision.imageSize)),
            batchSize: 4)
    }

    init() throws { model = try CLIPModel.load(from: SearchFixtures.model, towers: .both) }

    /// Opens (or creates) the embedded library at `folder` for this model and indexes `gallery` into it.
    @discardableResult
    func indexedLibrary(at folder: URL, gallery: URL) throws -> LibraryDatabase {
        let store = try LibraryDatabase(directory: folder, modelID: id, dimension: 24)
        try blocking {
            _ = try await Indexer(library: SQLiteStore(bound: store)).update(roots: [gallery.path]) { [embedder] in
                embedder
            }
        }
        return store
    }
}

/// The built `clip` executable.
var clipBinary: URL { CLIProcess.executable }

/// Runs `clip` with `environment` added; returns status, stdout and stderr.
func runClip(_ arguments: [String], environment: [String: String] = [:]) throws
    -> (status: Int32, out: String, err: String)
{
    try CLIProcess.run(arguments, environment: environment)
}
