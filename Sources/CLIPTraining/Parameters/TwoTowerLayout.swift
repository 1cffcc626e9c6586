import CLIP

/// Offsets of one residual block's tensors. q, k and v weights (and biases) are declared back to back,
/// so `qkvWeight` is also the fused `[3C, C]` matrix one GEMM uses.
struct BlockOffsets {
    var ln1Gamma = 0, ln1Beta = 0  // [C]
    var qkvWeight = 0, qkvBias = 0  // [3C, C], [3C]
    var outWeight = 0, outBias = 0  // [C, C], [C]
    var ln2Gamma = 0, ln2Beta = 0  // [C]
    var fcWeight = 0, fcBias = 0  // [F, C], [F]
    var projWeight = 0, projBias = 0  // [C, F], [C]
}

struct VisionOffsets {
    var patchWeight = 0  // [C, 3, p, p]
    var classEmbedding = 0  // [C]
    var positions = 0  // [tokens, C]
    var lnPreGamma = 0, lnPreBeta = 0  // [C]
    var blocks: [BlockOffsets] = []
    var lnPostGamma = 0, lnPostBeta = 0
    var projection = 0  // [D, C]
}

struct TextOffsets {
    var tokenEmbedding = 0  // [V, C]
    var positions = 0  // [context, C]
    var blocks: [BlockOffsets] = []
    var lnFinalGamma = 0, lnFinalBeta = 0
    var projection = 0  // [D, C]
}

/// The two-tower parameter layout under Hugging Face `CLIPModel` names, so a checkpoint loads by name and
/// a trained model saves as one. `logit_bias` (SigLIP only) is ours; transformers ignores it.
///
/// Weight decay follows the rule: matrices decay; gains, biases, the token/position/class
/// embeddings and the logit scale/bias do not. (open_clip's own rule, `ndim < 2`, would also decay the
/// 2-D token and position embeddings.)
struct TwoTowerLayout {
    let config: CLIPConfig
    private(set) var layout = ParameterLayout()
    private(set) var vision = VisionOffsets()
    private(set) var text = TextOffsets()
    private(set) var logitScale = 0
    private(set) var logitBias = 0

    init(config: CLIPConfig) {
        self.config = config
        let v = config.vit!, t = config.text, d = config.embedDim
        let cv = v.transformer.width, ct = t.transformer.width
        text.tokenEmbedding = layout.add(
            "text_model.embeddings.token_embedding.weight", [t.vocabSize, ct], decays: false)
        text.positions = layout.add(
            "text_model.embeddings.position_embedding.weight", [t.contextLength, ct], decays: false)
        text.blocks = (0..<t.transformer.layers).map { addBlock("text_model.encoder.layers.\($0)", t.transformer) }
        text.lnFinalGamma = layout.add("text_model.final_layer_norm.weight", [ct], decays: false)
        text.lnFinalBeta = layout.add("text_model.final_layer_norm.bias", [ct], decays: false)
        vision.classEmbedding = layout.add("vision_model.embeddings.class_embedding", [cv], decays: false)
        vision.patchWeight = layout.add(
            "vision_model.embeddings.patch_embedding.weight", [cv, v.channels, v.patchSize, v.patchSize], decays: true)
        vision.positions = layout.add(
            "vision_model.embeddings.position_embedding.weight", [v.tokens, cv], decays: false)
        // "layrnorm": sic, as transformers names it.
        vision.lnPreGamma = layout.add("vision_model.pre_layrnorm.weight", [cv], decays: false)
        vision.lnPreBeta = layout.add("vision_model.pre_layrnorm.bias", [cv], decays: false)
        vision.blocks = (0..<v.transformer.layers).map { addBlock("vision_model.encoder.layers.\($0)", v.transformer) }
        vision.lnPostGamma = layout.add("vision_model.post_layernorm.weight", [cv], decays: false)
        vision.lnPostBeta = layout.add("vision_model.post_layernorm.bias", [cv], decays: false)
        vision.projection = layout.add("visual_projection.weight", [d, cv], decays: true)
        text.projection = layout.add("text_projection.weight", [d, ct], decays: true)
        logitScale = layout.add("logit_scale", [], decays: false)
        logitBias = layout.add("logit_bias", [], decays: false)
    }

    private mutating func addBlock(_ prefix: String, _ c: TransformerConfig) -> BlockOffsets {
        let w = c.width, f = c.mlpWidth
        var o = BlockOffsets()
        o.qkvWeight = layout.add("\(prefix).self_attn.q_proj.weight", [w, w], decays: true)
        layout.add("\(prefix).self_attn.k_proj.weight", [w, w], decays: true)
        layout.add("\(prefix).self_attn.v_proj.weight", [w, w], decays: true)
        o.qkvBias = layout.add("\(prefix).self_attn.q_proj.bias", [w], decays: false)
        layout.add("\(prefix).self_attn.k_proj.bias", [w], decays: false)
        layout.add("\(prefix).self_attn.v_proj.bias", [w], decays: false)
        o.outWeight = layout.add("\(prefix).self_attn.out_proj.weight", [w, w], decays: true)
        o.outBias = layout.add("\(prefix).self_attn.out_proj.bias", [w], decays: false)
        o.ln1Gamma = layout.add("\(prefix).layer_norm1.weight", [w], decays: false)
        o.ln1Beta = layout.add("\(prefix).layer_norm1.bias", [w], decays: false)
        o.fcWeight = layout.add("\(prefix).mlp.fc1.weight", [f, w], decays: true)
        o.fcBias = layout.add("\(prefix).mlp.fc1.bias", [f], decays: false)
        o.projWeight = layout.add("\(prefix).mlp.fc2.weight", [w, f], decays: true)
        o.projBias = layout.add("\(prefix).mlp.fc2.bias", [w], decays: false)
        o.ln2Gamma = layout.add("\(prefix).layer_norm2.weight", [w], decays: false)
        o.ln2Beta = layout.add("\(prefix).layer_norm2.bias", [w], decays: false)
        return o
    }
}
