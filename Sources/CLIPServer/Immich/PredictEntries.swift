import Foundation

/// What a `/predict` request's `entries` JSON asks for: at most one CLIP embedding, which SwiftCLIP answers,
/// and the other tasks of Immich ML (`facial-recognition`, `ocr`), which only a fallback can answer.
///
/// `{"clip":{"visual":{"modelName":"ViT-B-32__openai"}}}`,
/// `{"facial-recognition":{"detection":{"modelName":"buffalo_l","options":{"minScore":0.7}},"recognition":…}}`.
struct PredictEntries {
    enum ClipTask: String { case visual, textual }

    var clip: (task: ClipTask, modelName: String)?
    /// The other tasks, by name, as sent (forwarded unchanged).
    var others: [String: Any] = [:]

    /// Immich ML's tasks besides CLIP.
    static let otherTasks: Set<String> = ["facial-recognition", "ocr"]

    /// Anything malformed is FastAPI's 422, naming the part.
    init(json: String) throws {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw Self.invalid("'entries' must be a JSON object like {\"clip\":{\"visual\":{\"modelName\":…}}}")
        }
        for (task, value) in object {
            guard let entry = value as? [String: Any], !entry.isEmpty else {
                throw Self.invalid("entries.\(task) must be an object naming its model types")
            }
            if task == "clip" {
                clip = try Self.clip(entry)
            } else if Self.otherTasks.contains(task) {
                others[task] = entry
            } else {
                throw Self.invalid("unknown task '\(task)' (Immich ML's are clip, facial-recognition and ocr)")
            }
        }
        guard clip != nil || !others.isEmpty else { throw Self.invalid("'entries' asks for no task") }
    }

    private static func clip(_ entry: [String: Any]) throws -> (task: ClipTask, modelName: String) {
        guard entry.count == 1, let (key, value) = entry.first, let task = ClipTask(rawValue: key) else {
            throw invalid("entries.clip must ask for one of visual or textual")
        }
        guard let name = (value as? [String: Any])?["modelName"] as? String, !name.isEmpty else {
            throw invalid("clip.\(key).modelName is missing")
        }
        return (task, name)
    }

    /// The other tasks as JSON, for the fallback.
    var othersJSON: Data {
        (try? JSONSerialization.data(withJSONObject: others, options: [.sortedKeys])) ?? Data("{}".utf8)
    }

    private static func invalid(_ reason: String) -> APIError {
        .detail(.unprocessableContent, "Invalid request format: \(reason)")
    }
}
