/// What a model costs, from its shape alone: learned parameters and the floating-point operations of one
/// image through the image tower (2 per multiply-add of the convolutions, linear layers and attention
/// products; norms, activations and pooling left out, as model tables usually do).
public struct ModelCost: Sendable, Equatable {
    public let imageParameters: Int
    public let textParameters: Int
    public let imageFLOPs: Double

    public init(_ config: CLIPConfig) {
        let d = config.embedDim
        switch config.image {
        case let .vit(v):
            let c = v.transformer.width, t = v.tokens, p = v.patchSize
            let (blockParams, blockFLOPs) = Self.transformer(v.transformer, tokens: t)
            imageParameters = c * 3 * p * p + c + t * c + 2 * c + blockParams + 2 * c + c * d
            imageFLOPs = 2 * Double((t - 1) * 3 * p * p * c) + blockFLOPs + 2 * Double(c * d)
        case let .siglip(v):
            // Patches with a bias, no class token; the MAP head: probe, in/out projections, LayerNorm, MLP.
            let c = v.transformer.width, t = v.tokens, p = v.patchSize, f = v.transformer.mlpWidth
            let (blockParams, blockFLOPs) = Self.transformer(v.transformer, tokens: t)
            let attention: Int = c + 4 * c * c + 4 * c
            let head: Int = attention + 2 * c + 2 * c * f + f + c
            let patches: Int = c * 3 * p * p + c + t * c
            imageParameters = patches + blockParams + 2 * c + head
            let headMACs: Int = 2 * t * c * c + 2 * c * c + 2 * c * f
            imageFLOPs = 2 * Double(t * 3 * p * p * c) + blockFLOPs + 2 * Double(headMACs)
        case let .modifiedResNet(r):
            var params = 0, flops = 0.0
            func conv(_ k: Int, _ cin: Int, _ cout: Int, side: Int) {
                params += k * k * cin * cout + 2 * cout  // weights, BatchNorm scale and shift
                flops += 2 * Double(k * k * cin * cout * side * side)
            }
            var side = r.imageSize / 2
            conv(3, 3, r.width / 2, side: side)
            conv(3, r.width / 2, r.width / 2, side: side)
            conv(3, r.width / 2, r.width, side: side)
            side /= 2
            var inplanes = r.width
            for (stage, blocks) in r.layers.enumerated() {
                let planes = r.width << stage
                for b in 0..<blocks {
                    let stride = b == 0 && stage > 0 ? 2 : 1, out = side / stride
                    conv(1, inplanes, planes, side: side)
                    conv(3, planes, planes, side: side)
                    conv(1, planes, planes * 4, side: out)
                    if stride > 1 || inplanes != planes * 4 { conv(1, inplanes, planes * 4, side: out) }
                    inplanes = planes * 4
                    side = out
                }
            }
            // The attention pool as open_clip runs it: q, k, v for every token, one head-split attention, c_proj.
            let c = r.poolWidth, tokens = r.grid * r.grid + 1
            params += tokens * c + 3 * (c * c + c) + c * d + d
            flops += 2 * Double(3 * tokens * c * c) + 2 * Double(2 * tokens * c) + 2 * Double(c * d)
            imageParameters = params
            imageFLOPs = flops
        }
        let text = config.text, w = text.transformer.width
        // SigLIP's text head is a Linear with a bias; CLIP's projection has none.
        textParameters =
            text.vocabSize * w + text.contextLength * w
            + Self.transformer(text.transformer, tokens: text.contextLength).params
            + 2 * w + w * d + (text.style == .siglip ? d : 0)
    }

    /// A transformer stack's parameters and FLOPs over `tokens` tokens.
    static func transformer(_ t: TransformerConfig, tokens n: Int) -> (params: Int, flops: Double) {
        let c = t.width, f = t.mlpWidth
        let perBlock = 4 * c * c + 4 * c + 2 * c * f + f + c + 4 * c
        let flops = 2 * Double(n) * Double(4 * c * c + 2 * c * f) + 2 * 2 * Double(n * n * c)
        return (t.layers * perBlock, Double(t.layers) * flops)
    }
}
