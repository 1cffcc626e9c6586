import CLIP
import CLIPServer
import Foundation
import Hummingbird
import HummingbirdTesting
import XCTest

/// A SigLIP model behind the server: its fixed-length SentencePiece texts through /v1/embeddings and
/// Immich's /predict, and /v1/classify's probabilities as independent sigmoids (they do not sum to 1, and
/// each equals σ(scale · cos + bias) of the engine's embeddings).
final class SiglipRouteTests: XCTestCase {
    /// A tiny random SigLIP model and, beside it, a tokenizer.json of a few Unigram pieces.
    static func served() throws -> ServedModel {
        let tower = TransformerConfig(
            width: 48, layers: 2, heads: 4, mlpWidth: 96, activation: .geluTanh, layerNormEps: 1e-6)
        let config = CLIPConfig(
            image: .siglip(VisionConfig(transformer: tower, imageSize: 32, patchSize: 8, classToken: false)),
            text: TextConfig(transformer: tower, contextLength: 16, vocabSize: 64, style: .siglip), embedDim: 48)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("siglip-route-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let pieces =
            ["<pad>", "</s>", "<unk>", "\u{2581}"] + "abcdefghijklmnopqrstuvwxyz".map { "\u{2581}\($0)" }
            + "abcdefghijklmnopqrstuvwxyz".map { String($0) }
        let vocab = pieces.enumerated().map { [$1, $0 < 3 ? 0 : -Double($0) / 10] as [Any] }
        let json: [String: Any] = [
            "added_tokens": [
                ["id": 0, "content": "<pad>", "special": true], ["id": 1, "content": "</s>", "special": true],
                ["id": 2, "content": "<unk>", "special": true]
            ],
            "pre_tokenizer": [
                "type": "Sequence",
                "pretokenizers": [
                    ["type": "WhitespaceSplit"],
                    ["type": "Metaspace", "replacement": "\u{2581}", "prepend_scheme": "always", "split": true]
                ]
            ],
            "model": ["type": "Unigram", "unk_id": 2, "vocab": vocab],
            "post_processor": [
                "type": "TemplateProcessing",
                "single": [["Sequence": ["id": "A", "type_id": 0]], ["SpecialToken": ["id": "</s>", "type_id": 0]]],
                "special_tokens": ["</s>": ["id": "</s>", "ids": [1], "tokens": ["</s>"]]]
            ]
        ]
        try JSONSerialization.data(withJSONObject: json).write(to: folder.appendingPathComponent("tokenizer.json"))
        let loaded = LoadedModel(
            model: CLIPModel.randomWeights(config: config, seed: 11), folder: folder, id: "tiny siglip")
        return try ServedModel(name: "tiny-siglip", loaded: loaded)
    }

    func testEmbeddingsAndSigmoidClassification() async throws {
        let served = try Self.served()
        defer { served.shutdown() }
        let loaded = served.loaded
        XCTAssertEqual(loaded.model.logitBias, -10)
        try await Application(router: buildRouter(served, configuration: ServerConfiguration())).test(.router) {
            client in
            let (status, body) = try await client.postJSON(
                "/v1/embeddings", ["model": "tiny-siglip", "input": ["a cat", "a dog"]])
            XCTAssertEqual(status, .ok, "\(body)")
            let rows = (body["data"] as? [[String: Any]] ?? []).map {
                ($0["embedding"] as? [Double] ?? []).map(Float.init)
            }
            let expected = try loaded.embedTexts(["a cat", "a dog"])
            XCTAssertEqual(rows.count, 2)
            for (i, row) in rows.enumerated() {
                XCTAssertEqual(row.count, 48)
                for (a, b) in zip(row, expected.row(i)) { XCTAssertEqual(a, b, accuracy: 1e-5) }
            }

            let png = try ServerFixtures.png()
            let labels = ["cat", "dog", "car"]
            let (cStatus, classified) = try await client.postJSON(
                "/v1/classify",
                [
                    "labels": labels, "templates": ["a photo of a {}."],
                    "images": [png.base64EncodedString()]
                ])
            XCTAssertEqual(cStatus, .ok, "\(classified)")
            let predictions =
                ((classified["results"] as? [[String: Any]])?.first?["predictions"] as? [[String: Any]]) ?? []
            XCTAssertEqual(predictions.count, 3)
            let pixels = try loaded.imageEmbedder().preprocessor.tensor(ImageDecoder.decode(png, name: "upload"))
            let image = try loaded.model.requireVision().embed(pixels: pixels)
            let texts = try loaded.embedTexts(labels.map { "a photo of a \($0)." })
            let logits = loaded.model.logits(images: image, texts: texts)[0]
            var total = 0.0
            for p in predictions {
                let label = p["label"] as? String ?? "", probability = p["probability"] as? Double ?? -1
                let logit = logits[labels.firstIndex(of: label) ?? 0]
                XCTAssertEqual(Float(probability), 1 / (1 + expf(-logit)), accuracy: 1e-5, label)
                total += probability
            }
            XCTAssertGreaterThan(abs(total - 1), 0.01, "sigmoids are independent, not a softmax across labels")
        }
    }
}
