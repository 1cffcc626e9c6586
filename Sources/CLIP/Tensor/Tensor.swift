import Foundation

/// A dense, row-major, contiguous Float32 tensor.
///
/// A reference type so that large weight and activation buffers are never copied by accident.
/// Owned storage is 64-byte aligned for SIMD loads and freed with the tensor; borrowed storage (weights
/// read in place from a memory-mapped checkpoint) is kept alive by its owner and is read-only.
public final class Tensor: @unchecked Sendable {
    public let shape: [Int]
    public let count: Int
    public let data: UnsafeMutablePointer<Float>
    /// What keeps borrowed memory alive; nil when the tensor owns `data`.
    private let owner: AnyObject?

    /// A view of memory owned by `owner` (e.g. a mapped file). Writing through it is a programmer error.
    init(borrowing pointer: UnsafePointer<Float>, shape: [Int], owner: AnyObject) {
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.data = UnsafeMutablePointer(mutating: pointer)
        self.owner = owner
    }

    /// A zero-filled tensor.
    public convenience init(zeros shape: [Int]) {
        self.init(uninitialized: shape)
        data.initialize(repeating: 0, count: count)
    }

    /// A tensor whose contents the caller must write before reading (used for kernel outputs).
    public init(uninitialized shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        self.count = shape.reduce(1, *)
        data = LargeAllocation.allocate(count * MemoryLayout<Float>.stride).bindMemory(
            to: Float.self, capacity: max(count, 16))
        owner = nil
    }

    public convenience init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        self.init(uninitialized: shape)
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }

    deinit { if owner == nil { LargeAllocation.free(data, bytes: count * MemoryLayout<Float>.stride) } }

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: data, count: count) }

    public subscript(index: Int) -> Float {
        get { data[index] }
        set { data[index] = newValue }
    }

    public var scalars: [Float] { Array(buffer) }

    /// Row `i` of a 2-D view `[count / shape.last, shape.last]`.
    public func row(_ i: Int) -> [Float] {
        let width = shape.last ?? 1
        return Array(UnsafeBufferPointer(start: data + i * width, count: width))
    }

    /// A copy with rows and columns swapped (2-D only). Used once at load time for `[in, out]` projections.
    public func transposed() -> Tensor {
        precondition(shape.count == 2)
        let rows = shape[0], cols = shape[1]
        let out = Tensor(uninitialized: [cols, rows])
        for r in 0..<rows {
            for c in 0..<cols { out.data[c * rows + r] = data[r * cols + c] }
        }
        return out
    }
}
