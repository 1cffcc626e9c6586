import Foundation

/// A labelled image set: class subfolders (`DIR/<class>/…`), or a `labels.tsv` of `path<TAB>class`
/// (paths relative to the file's folder). Classes are sorted by name; a folder's name is its label,
/// with underscores read as spaces.
public struct LabeledImages: Sendable {
    public let classes: [String]
    public let files: [String]
    /// Index into `classes` for each file.
    public let labels: [Int]

    public init(classes: [String], files: [String], labels: [Int]) {
        self.classes = classes
        self.files = files
        self.labels = labels
    }

    public static func load(_ path: String) throws -> LabeledImages {
        let root = URL(fileURLWithPath: path)
        let tsv = root.appendingPathComponent("labels.tsv")
        var pairs: [(String, String)] = []
        guard FileManager.default.fileExists(atPath: path) else {
            throw CLIPError.input(file: path, reason: "no such file or folder")
        }
        if FileManager.default.fileExists(atPath: tsv.path) {
            for (n, line) in try TextList.read(tsv.path).enumerated() where !line.isEmpty {
                let fields = line.split(separator: "\t", maxSplits: 1).map(String.init)
                guard fields.count == 2 else {
                    throw CLIPError.input(file: tsv.path, reason: "line \(n + 1): expected path<TAB>class")
                }
                let file = fields[0].hasPrefix("/") ? fields[0] : root.appendingPathComponent(fields[0]).path
                pairs.append((file, fields[1]))
            }
        } else {
            let entries: [String]
            do { entries = try FileManager.default.contentsOfDirectory(atPath: path) } catch {
                throw CLIPError.input(
                    file: path,
                    reason: "not a folder of class subfolders and no labels.tsv: \(error.localizedDescription)")
            }
            for folder in entries.sorted() where !folder.hasPrefix(".") {
                var isDirectory: ObjCBool = false
                let url = root.appendingPathComponent(folder)
                guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue
                else { continue }
                let label = folder.replacingOccurrences(of: "_", with: " ")
                pairs += try ImageFiles.collect([url.path]).map { ($0, label) }
            }
        }
        let classes = Array(Set(pairs.map(\.1))).sorted()
        guard classes.count >= 2 else {
            throw CLIPError.input(file: path, reason: "needs at least two classes, found \(classes.count)")
        }
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        return LabeledImages(classes: classes, files: pairs.map(\.0), labels: pairs.map { index[$0.1]! })
    }

    /// Whether a label is a WordNet noun id as ImageNet's folders are named ("n01440764").
    public static func isWordNetID(_ label: String) -> Bool {
        label.count == 9 && label.first == "n" && label.dropFirst().allSatisfy(\.isASCII)
            && label.dropFirst().allSatisfy(\.isNumber)
    }

    /// An ImageNet folder's WordNet ids named as the CLIP paper names them, or nil when no class is such an
    /// id. Classes stay apart where two ids share a name (the paper's list has "missile" and "sunglasses"
    /// twice). Ids where only some classes are ids, or ids outside ImageNet-1k, are an error: prompts like
    /// "a photo of a n01440764" silently ruin the accuracy.
    public func namingImageNetClasses(source: String) throws -> LabeledImages? {
        let ids = classes.filter(Self.isWordNetID)
        guard !ids.isEmpty else { return nil }
        guard ids.count == classes.count else {
            throw CLIPError.input(
                file: source,
                reason:
                    """
                    \(ids.count) of the \(classes.count) classes are WordNet ids (\(ids[0]) …) and the rest are \
                    not: name every class folder by id or by name
                    """
            )
        }
        let names = Dictionary(
            uniqueKeysWithValues: zip(PromptTemplates.imagenetWordNetIDs, PromptTemplates.imagenetClassNames))
        let unknown = classes.filter { names[$0] == nil }
        guard unknown.isEmpty else {
            throw CLIPError.input(
                file: source,
                reason:
                    """
                    \(unknown.count) class folders are WordNet ids outside ImageNet-1k \
                    (\(unknown.prefix(3).joined(separator: ", "))): name them, or give a labels.tsv with names
                    """
            )
        }
        return LabeledImages(classes: classes.map { names[$0]! }, files: files, labels: labels)
    }

    /// The same images classified among `candidates` (which must contain every label present), so accuracy
    /// counts confusions with classes that have no images here.
    public func relabeled(candidates: [String], source: String) throws -> LabeledImages {
        let index = Dictionary(candidates.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        guard candidates.count >= 2 else {
            throw CLIPError.input(file: source, reason: "needs at least two class names")
        }
        if let missing = classes.first(where: { index[$0] == nil }) {
            throw CLIPError.input(
                file: source, reason: "the data's class '\(missing)' is not among the candidate classes")
        }
        return LabeledImages(classes: candidates, files: files, labels: labels.map { index[classes[$0]]! })
    }

    /// A deterministic split: in each class, every `1/heldOutFraction`-th file (by sorted path) is held out.
    public func split(heldOutFraction: Double) -> (train: [Int], heldOut: [Int]) {
        guard heldOutFraction > 0 else { return (Array(files.indices), []) }
        let period = max(2, Int((1 / heldOutFraction).rounded()))
        var train: [Int] = [], heldOut: [Int] = []
        for c in classes.indices {
            let members = files.indices.filter { labels[$0] == c }.sorted { files[$0] < files[$1] }
            for (rank, i) in members.enumerated() {
                if rank % period == period - 1 { heldOut.append(i) } else { train.append(i) }
            }
        }
        return (train, heldOut)
    }
}
