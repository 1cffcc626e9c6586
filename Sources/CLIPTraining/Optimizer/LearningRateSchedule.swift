import Foundation

/// Linear warm-up to the base rate, then cosine decay to zero at `totalSteps` (open_clip's `cosine_lr`).
public struct LearningRateSchedule: Sendable, Equatable {
    public var baseRate: Float
    public var warmupSteps: Int
    public var totalSteps: Int

    public init(baseRate: Float, warmupSteps: Int, totalSteps: Int) {
        self.baseRate = baseRate
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
    }

    /// The rate for step `step` (0-based).
    public func rate(at step: Int) -> Float {
        if step < warmupSteps { return baseRate * Float(step + 1) / Float(warmupSteps) }
        let span = max(totalSteps - warmupSteps, 1)
        let progress = Float(min(step - warmupSteps, span)) / Float(span)
        return 0.5 * (1 + cos(Float.pi * progress)) * baseRate
    }
}
