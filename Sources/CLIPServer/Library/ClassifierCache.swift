import CLIP
import Foundation

/// Zero-shot classifiers by (labels, templates), so that a page classifying screen after screen of results
/// with the same labels embeds its prompts once. Keeps the most recent 32.
final class ClassifierCache: @unchecked Sendable {
    private let lock = NSLock()
    private var cached: [String: ZeroShotClassifier] = [:]
    private var order: [String] = []
    private let capacity = 32

    func classifier(
        labels: [String], templates: [String], logitScale: Float, logitBias: Float?,
        embed: ([String]) async throws -> [[Float]]
    ) async throws -> ZeroShotClassifier {
        let key = (labels + ["\u{1}"] + templates).joined(separator: "\u{0}")
        if let hit = lock.withLock({ cached[key] }) { return hit }
        let prompts = ZeroShotClassifier.prompts(labels: labels, templates: templates)
        let classifier = ZeroShotClassifier(
            labels: labels, templates: templates.count,
            promptEmbeddings: try await embed(prompts), logitScale: logitScale, logitBias: logitBias)
        lock.withLock {
            if cached.updateValue(classifier, forKey: key) == nil { order.append(key) }
            if order.count > capacity { cached.removeValue(forKey: order.removeFirst()) }
        }
        return classifier
    }
}
