import CLIP

/// One named tensor inside the flat parameter block.
public struct ParameterSlot: Sendable {
    public let name: String
    public let shape: [Int]
    public let offset: Int
    public var count: Int { shape.reduce(1, *) }
    /// Whether AdamW's weight decay applies (matrices only; see `TwoTowerLayout`).
    public let decays: Bool

    /// Part of the image tower (what LiT's `--lock-image` freezes).
    public var isImageTower: Bool { CheckpointLayout.huggingFace.isVisionKey(name) }
}

/// The names, shapes and offsets of every trainable tensor in one contiguous block, so parameters,
/// gradients and both AdamW moments share one layout and the optimiser is a single loop.
public struct ParameterLayout: Sendable {
    public private(set) var slots: [ParameterSlot] = []
    public private(set) var total = 0
    private var byName: [String: Int] = [:]

    public init() {}

    /// Appends a tensor and returns its offset.
    @discardableResult
    mutating func add(_ name: String, _ shape: [Int], decays: Bool) -> Int {
        precondition(byName[name] == nil, "parameter \(name) declared twice")
        let slot = ParameterSlot(name: name, shape: shape, offset: total, decays: decays)
        byName[name] = slots.count
        slots.append(slot)
        total += slot.count
        return slot.offset
    }

    public func slot(_ name: String) -> ParameterSlot? { byName[name].map { slots[$0] } }
}

/// A zero-initialised Float block laid out by a `ParameterLayout` (parameters, gradients, moments).
public final class FlatBuffer: @unchecked Sendable {
    public let count: Int
    public let data: UnsafeMutablePointer<Float>

    public init(count: Int) {
        self.count = count
        data = .allocate(capacity: max(count, 1))
        data.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { data.deallocate() }

    public func zero() { data.update(repeating: 0, count: count) }

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: data, count: count) }
}
