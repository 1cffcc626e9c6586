import CLIP
import CLIPSearch
import Foundation
import Hummingbird

/// `POST /v1/classify`: zero-shot labels for library images (`ids`) or uploaded ones (`images`).
extension LibraryController {
    func classify(_ request: Request) async throws -> Response {
        let (fields, _) = try await RequestBody.read(request, maxBody: maxBody, multipart: false)
        guard let labels = try fields.strings("labels", limit: 1000, commaSeparated: true) else {
            throw APIError.badRequest(
                "'labels' is required (an array of strings, or one comma-separated string)", param: "labels")
        }
        let templates = try Self.templates(fields)
        // Half the text limit each and one `{}` per template, so that every prompt (a template filled with a
        // label) is within the limit before any is built: 2,500 `{}` in one template would multiply a label.
        try served.checkLengths(labels, param: "labels", limit: ServedModel.maxTextCharacters / 2)
        try served.checkLengths(templates, param: "templates", limit: ServedModel.maxTextCharacters / 2)
        if let (i, template) = templates.enumerated().first(where: {
            $0.element.components(separatedBy: "{}").count > 2
        }) {
            throw APIError.badRequest(
                "templates[\(i)] has more than one '{}': '\(template.prefix(80))'", param: "templates")
        }
        guard labels.count * templates.count <= 8192 else {
            throw APIError.badRequest(
                "\(labels.count) labels × \(templates.count) templates is more than 8192 prompts", param: "templates")
        }
        let top = min(labels.count, try fields.integer("top_k", default: 5, in: 1...1000))
        let (items, vectors) = try await images(fields)
        let model = served.loaded.model
        let classifier = try await classifiers.classifier(
            labels: labels, templates: templates, logitScale: model.logitScale,
            logitBias: model.logitBias
        ) { prompts in
            // In passes of at most 256 prompts: other requests take their turns between them, and the
            // text batcher's queue never holds one request larger than its limit.
            var embedded: [[Float]] = []
            for start in stride(from: 0, to: prompts.count, by: 256) {
                embedded += try await served.embedTexts(
                    Array(prompts[start..<min(prompts.count, start + 256)]), param: "labels")
            }
            return embedded
        }
        let predictions = classifier.top(
            top, Tensor(shape: [vectors.count, served.dimension], values: vectors.flatMap { $0 }))
        return JSONResponse.make([
            "results": zip(items, predictions).map { item, p -> [String: Any] in
                item.merging(["predictions": p.map { ["label": $0.label, "probability": Double($0.probability)] }]) {
                    a, _ in a
                }
            }
        ])
    }

    /// Server-side templates: `imagenet80`, `simple`, one template with `{}`, or an array of them (never a file).
    static func templates(_ fields: JSONFields) throws -> [String] {
        let list: [String]
        if let name = try? fields.string("templates"), ["imagenet80", "imagenet", "simple"].contains(name.lowercased())
        {
            list = try PromptTemplates.named(name)
        } else if fields.object["templates"] is String {
            list = [try fields.string("templates")!]
        } else {
            list = try fields.strings("templates", limit: 1000) ?? PromptTemplates.imagenet80
        }
        if let bad = list.first(where: { !$0.contains("{}") }) {
            throw APIError.badRequest(
                "template '\(bad)' has no {} for the label (or use \"imagenet80\" or \"simple\")", param: "templates")
        }
        return list
    }

    /// The images a classify or rank request names: library images by `ids`, or uploaded `images`
    /// (base64), with what each answer item says about them.
    private func images(_ fields: JSONFields) async throws -> (items: [[String: Any]], vectors: [[Float]]) {
        switch (fields.has("ids"), fields.has("images")) {
        case (true, false):
            let library = try requireLibrary()
            let ids = try fields.integers("ids", limit: LibraryRequest.maxResults)!
            let images = try await Self.libraryCall(param: "ids") {
                try await library.store.images(ids: ids, dimension: served.dimension)
            }
            return (images.map { Self.describe(id: $0.id, path: $0.path) }, images.map(\.vector))
        case (false, true):
            let inputs = try fields.strings("images", limit: EmbeddingsRequest.maxInputs)!
            let names = inputs.indices.map { "images[\($0)]" }
            let bytes = try zip(inputs, names).map { try EmbeddingsRequest.imageBytes($0, param: $1) }
            return (
                inputs.indices.map { ["index": $0] }, try await served.embedImages(bytes, names: names, param: "images")
            )
        default:
            throw APIError.badRequest("give exactly one of 'ids' (library images) or 'images' (base64)", param: "ids")
        }
    }
}
