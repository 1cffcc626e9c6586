import CLIP
import CLIPSearch
import Foundation
import Hummingbird

/// `POST /v1/classify`: zero-shot labels for library images (`ids`) or uploaded ones (`images`).
struct ClassifyRequest: Decodable, Sendable {
    /// The images classified: library images by id, or uploads (base64 in the request).
    enum Images: Sendable {
        case library([Int64])
        case uploads([Data])
    }

    let labels: [String]
    let templates: [String]
    /// Predictions per image: `top_k`, at most one per label.
    let top: Int
    let images: Images

    enum CodingKeys: String, CodingKey {
        case labels, templates, ids, images
        case topK = "top_k"
    }

    init(from decoder: any Decoder) throws {
        let setting = decoder.setting(LibraryRequest.Setting.self)
        let fields = try decoder.container(keyedBy: CodingKeys.self)
        guard let labels = try fields.strings(.labels, limit: 1000, commaSeparated: true) else {
            throw fields.problem(.labels, "'labels' is required (an array of strings, or one comma-separated string)")
        }
        self.labels = labels
        templates = try Self.templates(fields)
        // Half the text limit each and one `{}` per template, so that every prompt (a template filled with a
        // label) is within the limit before any is built: 2,500 `{}` in one template would multiply a label.
        try setting.served.checkLengths(labels, param: "labels", limit: ServedModel.maxTextCharacters / 2)
        try setting.served.checkLengths(templates, param: "templates", limit: ServedModel.maxTextCharacters / 2)
        if let (i, template) = templates.enumerated().first(where: {
            $0.element.components(separatedBy: "{}").count > 2
        }) {
            throw fields.problem(.templates, "templates[\(i)] has more than one '{}': '\(template.prefix(80))'")
        }
        guard labels.count * templates.count <= 8192 else {
            throw fields.problem(
                .templates, "\(labels.count) labels × \(templates.count) templates is more than 8192 prompts")
        }
        top = min(labels.count, try fields.integer(.topK, default: 5, in: 1...1000))
        switch (fields.has(.ids), fields.has(.images)) {
        case (true, false):
            guard setting.hasLibrary else { throw LibraryRequest.noLibrary }
            images = .library(try fields.integers(.ids, limit: LibraryRequest.maxResults)!)
        case (false, true):
            let inputs = try fields.strings(.images, limit: EmbeddingsRequest.maxInputs)!
            images = .uploads(
                try inputs.enumerated().map { try EmbeddingsRequest.imageBytes($1, param: "images[\($0)]") })
        default:
            throw fields.problem(.ids, "give exactly one of 'ids' (library images) or 'images' (base64)")
        }
    }

    /// Server-side templates: `imagenet80`, `simple`, one template with `{}`, or an array of them (never a
    /// file).
    private static func templates(_ fields: KeyedDecodingContainer<CodingKeys>) throws -> [String] {
        let list: [String]
        if let name = try? fields.string(.templates), ["imagenet80", "imagenet", "simple"].contains(name.lowercased()) {
            list = try PromptTemplates.named(name)
        } else if (try? fields.decode(String.self, forKey: .templates)) != nil {
            list = [try fields.string(.templates)!]
        } else {
            list = try fields.strings(.templates, limit: 1000) ?? PromptTemplates.imagenet80
        }
        if let bad = list.first(where: { !$0.contains("{}") }) {
            throw fields.problem(
                .templates, "template '\(bad)' has no {} for the label (or use \"imagenet80\" or \"simple\")")
        }
        return list
    }
}

/// `POST /v1/classify`'s answer: per image, in the order asked, its best labels.
struct ClassifyResponse: Encodable, Sendable {
    struct Prediction: Encodable, Sendable {
        let label: String
        let probability: Double
    }

    /// A library image (`ids`) is named as search names it; an upload by its `index` in `images`.
    struct Item: Encodable, Sendable {
        let image: LibraryImageJSON?
        let index: Int?
        let predictions: [Prediction]

        enum CodingKeys: String, CodingKey { case index, predictions }

        func encode(to encoder: any Encoder) throws {
            try image?.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeIfPresent(index, forKey: .index)
            try container.encode(predictions, forKey: .predictions)
        }
    }

    let results: [Item]
}

extension LibraryController {
    func classify(_ request: Request) async throws -> Response {
        let (asked, _) = try await RequestBody.decode(
            ClassifyRequest.self, request, maxBody: maxBody, setting: setting)
        let (images, vectors) = try await embedded(asked.images)
        let model = served.loaded.model
        let classifier = try await classifiers.classifier(
            labels: asked.labels, templates: asked.templates, logitScale: model.logitScale,
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
            asked.top, Tensor(shape: [vectors.count, served.dimension], values: vectors.flatMap { $0 }))
        let results = zip(images, predictions).map { image, predicted in
            ClassifyResponse.Item(
                image: image.library, index: image.index,
                predictions: predicted.map { .init(label: $0.label, probability: Double($0.probability)) })
        }
        return JSONResponse.make(ClassifyResponse(results: results))
    }

    /// The images a classify request names, with how the answer names each, and their vectors: library
    /// images read from the store, uploads embedded by the served model.
    private func embedded(
        _ images: ClassifyRequest.Images
    ) async throws -> (names: [(library: LibraryImageJSON?, index: Int?)], vectors: [[Float]]) {
        switch images {
        case let .library(ids):
            let library = try requireLibrary()
            let found = try await Self.libraryCall(param: "ids") {
                try await library.store.images(ids: ids, dimension: served.dimension)
            }
            return (found.map { (LibraryImageJSON(id: $0.id, path: $0.path), nil) }, found.map(\.vector))
        case let .uploads(bytes):
            let names = bytes.indices.map { "images[\($0)]" }
            let vectors = try await served.embedImages(bytes, names: names, param: "images")
            return (bytes.indices.map { (nil, $0) }, vectors)
        }
    }
}
