import Foundation

/// One bottleneck: 1×1 → 3×3 → (average pool when it strides) → 1×1 ×4 channels, plus the shortcut
/// (average pool, 1×1, BatchNorm) when the shape changes. Every BatchNorm is folded into its convolution.
struct BottleneckWeights {
    let conv1: Convolution
    let conv2: Convolution
    let conv3: Convolution
    let downsample: Convolution?
    let stride: Int
}

/// Learned parameters of the ModifiedResNet image tower.
struct ResNetWeights {
    let stem: [Convolution]  // 3×3 stride 2, then two 3×3
    let stages: [[BottleneckWeights]]
    let positions: Tensor  // [grid² + 1, C]
    let query: PackedWeights  // q_proj [C, C]
    let queryBias: Tensor
    /// k_proj and v_proj `[C, C]` as they are (the pool multiplies the query and the attended tokens by
    /// them, per head; k_proj's bias shifts every score of a head alike, which softmax ignores).
    let key: Tensor
    let value: Tensor
    let valueBias: Tensor
    let output: PackedWeights  // c_proj [D, C]
    let outputBias: Tensor
}
