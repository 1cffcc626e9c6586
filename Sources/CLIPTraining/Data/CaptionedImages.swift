import CLIP
import Foundation

/// (image, caption) pairs to train on, from one of:
/// - a folder with `captions.tsv` (`path<TAB>caption`, paths relative to the folder),
/// - a folder with `captions.jsonl` (`{"image": …, "caption": …}`; `path`/`text` also accepted),
/// - a folder of class subfolders, each image captioned by `template` with its class name.
/// Every listed image must exist and every caption must have text; the errors name the file and line.
public struct CaptionedImages: Sendable {
    public let images: [String]
    public let captions: [String]

    public init(images: [String], captions: [String]) {
        self.images = images
        self.captions = captions
    }

    public var count: Int { images.count }

    public static func load(_ path: String, template: String = "a photo of a {}.") throws -> CaptionedImages {
        let root = URL(fileURLWithPath: path)
        let tsv = root.appendingPathComponent("captions.tsv"), jsonl = root.appendingPathComponent("captions.jsonl")
        var pairs: [(file: String, caption: String, line: Int)] = []
        let source: String
        if FileManager.default.fileExists(atPath: tsv.path) {
            source = tsv.path
            for (n, line) in try TextList.read(tsv.path).enumerated() where !line.isEmpty {
                let fields = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false).map(
                    String.init)
                guard fields.count == 2 else {
                    throw CLIPError.input(file: tsv.path, reason: "line \(n + 1): expected path<TAB>caption")
                }
                pairs.append((resolve(fields[0], in: root), fields[1], n + 1))
            }
        } else if FileManager.default.fileExists(atPath: jsonl.path) {
            source = jsonl.path
            for (n, line) in try TextList.read(jsonl.path).enumerated()
            where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                    throw CLIPError.input(file: jsonl.path, reason: "line \(n + 1): not a JSON object")
                }
                guard let file = (object["image"] ?? object["path"]) as? String else {
                    throw CLIPError.input(file: jsonl.path, reason: "line \(n + 1): no \"image\" (or \"path\") string")
                }
                guard let caption = (object["caption"] ?? object["text"]) as? String else {
                    throw CLIPError.input(
                        file: jsonl.path, reason: "line \(n + 1): no \"caption\" (or \"text\") string")
                }
                pairs.append((resolve(file, in: root), caption, n + 1))
            }
        } else {
            source = path
            guard template.contains("{}") else {
                throw CLIPError.invalidArgument("the caption template '\(template)' has no {} for the class name")
            }
            let labeled: LabeledImages
            do { labeled = try LabeledImages.load(path) } catch {
                throw CLIPError.input(
                    file: path,
                    reason: "no captions.tsv or captions.jsonl, and not a folder of class subfolders (\(error))")
            }
            for (i, file) in labeled.files.enumerated() {
                pairs.append(
                    (file, template.replacingOccurrences(of: "{}", with: labeled.classes[labeled.labels[i]]), 0))
            }
        }
        if let empty = pairs.first(where: { $0.caption.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) {
            throw CLIPError.input(file: source, reason: "line \(empty.line): empty caption for \(empty.file)")
        }
        let missing = pairs.filter { !FileManager.default.fileExists(atPath: $0.file) }
        if let first = missing.first {
            let more = missing.count > 1 ? " (and \(missing.count - 1) more)" : ""
            throw CLIPError.input(file: source, reason: "line \(first.line): image \(first.file) does not exist\(more)")
        }
        guard pairs.count >= 2 else {
            throw CLIPError.input(file: source, reason: "needs at least 2 captioned images, found \(pairs.count)")
        }
        return CaptionedImages(images: pairs.map(\.file), captions: pairs.map(\.caption))
    }

    private static func resolve(_ file: String, in root: URL) -> String {
        file.hasPrefix("/") ? file : root.appendingPathComponent(file).path
    }
}
