import Foundation

/// Prompt templates for zero-shot classification; `{}` marks where the class name goes.
public enum PromptTemplates {
    /// The single prompt most people start with.
    public static let simple = ["a photo of a {}."]

    /// The 80 templates of the CLIP paper's ImageNet evaluation.
    public static var imagenet80: [String] { ImageNetMetadata.shared.templates }

    /// The 1,000 ImageNet class names as the CLIP paper's evaluation words them.
    public static var imagenetClassNames: [String] { ImageNetMetadata.shared.classnames }

    /// The WordNet id of each of those classes, in the same order (the standard class index: sorted ids).
    public static var imagenetWordNetIDs: [String] { ImageNetMetadata.shared.wnids }

    /// `imagenet80`, `simple`, or one literal template containing `{}`.
    public static func named(_ spec: String) throws -> [String] {
        switch spec.lowercased() {
        case "imagenet80", "imagenet": return imagenet80
        case "simple": return simple
        default:
            if !spec.contains("{}"), FileManager.default.fileExists(atPath: spec) {
                let templates = try TextList.read(spec).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
                guard !templates.isEmpty else { throw CLIPError.input(file: spec, reason: "no templates in the file") }
                if let bad = templates.first(where: { !$0.contains("{}") }) {
                    throw CLIPError.input(file: spec, reason: "template '\(bad)' has no {} for the label")
                }
                return templates
            }
            guard spec.contains("{}") else {
                throw CLIPError.invalidArgument(
                    """
                    --templates: '\(spec)' is neither imagenet80, simple, a template with {} for the label, nor a \
                    file of templates
                    """
                )
            }
            return [spec]
        }
    }

    public static func fill(_ template: String, with label: String) -> String {
        template.replacingOccurrences(of: "{}", with: label)
    }
}

private struct ImageNetMetadata: Decodable {
    let templates: [String]
    let classnames: [String]
    let wnids: [String]

    static let shared: ImageNetMetadata = {
        guard let data = LibraryFiles.embedded["imagenet.json"],
            let metadata = try? JSONDecoder().decode(ImageNetMetadata.self, from: data)
        else {
            fatalError("the embedded imagenet.json is missing or corrupt (a packaging bug)")
        }
        return metadata
    }()
}
