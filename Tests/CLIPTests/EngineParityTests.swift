import CLIP
import CLIPTestSupport
import Foundation
import XCTest

/// Embeddings from SwiftCLIP against transformers' `CLIPModel` and open_clip's `CLIP`, on tiny random
/// checkpoints written by `tools/make_engine_fixtures.py`.
/// Tolerance: max abs diff ≤ 1e-4 on L2-normalised embeddings (fp32), ≤ 2e-3 on logits (scale ≈ 14.3).
final class EngineParityTests: XCTestCase {
    static let embeddingTolerance: Float = 1e-4
    static let logitTolerance: Float = 2e-3

    func checkCase(_ name: String, load: (URL) throws -> CLIPModel) throws {
        let dir = Fixtures.url("engine/\(name)")
        let model = try load(dir)
        let pixels = try Fixtures.floats("engine/\(name)/pixels.npy")
        let tokens = try Fixtures.tokens("engine/\(name)/tokens.npy")
        let images = try model.requireVision().embed(pixels: pixels)
        let texts = try model.requireText().embed(tokens: tokens)
        checkTensor(
            images, try Fixtures.floats("engine/\(name)/image_embeds.npy"), tolerance: Self.embeddingTolerance,
            "\(name) image embeddings")
        checkTensor(
            texts, try Fixtures.floats("engine/\(name)/text_embeds.npy"), tolerance: Self.embeddingTolerance,
            "\(name) text embeddings")
        let raw = try model.requireVision().embed(pixels: pixels, normalize: false)
        let expectedRaw = try Fixtures.floats("engine/\(name)/image_features.npy")
        checkTensor(raw, expectedRaw, tolerance: Self.embeddingTolerance * 10, "\(name) unnormalised image features")
        let logits = model.logits(images: images, texts: texts).flatMap { $0 }
        let expectedLogits = try Fixtures.floats("engine/\(name)/logits_per_image.npy")
        checkTensor(
            Tensor(shape: expectedLogits.shape, values: logits), expectedLogits, tolerance: Self.logitTolerance,
            "\(name) logits")
    }

    /// open_clip's ModifiedResNet (tools/make_resnet_fixtures.py): random weights and random BatchNorm
    /// running statistics, folded into the convolutions here; a 2×2 final grid; GELU text.
    func testModifiedResNetOpenCLIPFolderWithRandomBatchNorm() throws {
        try checkCase("openclip_rn_tiny") { dir in
            let model = try CLIPModel.load(from: dir)
            XCTAssertEqual(
                model.config.image,
                .modifiedResNet(ResNetConfig(layers: [1, 2, 1, 1], width: 8, imageSize: 64, heads: 4)))
            XCTAssertEqual(model.config.text.transformer.activation, .gelu)
            return model
        }
    }

    /// A bare OpenAI-named state dict (no config): sized from its tensors as build_model_from_openai_state_dict
    /// does (the fixture script checks that path gives open_clip's embeddings exactly); QuickGELU text.
    func testModifiedResNetOpenAIStateDictSizedFromItsShapes() throws {
        try checkCase("openai_rn_bare") { dir in
            let model = try CLIPModel.load(from: dir)
            XCTAssertEqual(
                model.config.image,
                .modifiedResNet(ResNetConfig(layers: [2, 1, 2, 1], width: 8, imageSize: 96, heads: 4)))
            XCTAssertEqual(model.config.text.transformer.activation, .quickGELU)
            XCTAssertEqual(model.config.embedDim, 20)
            return model
        }
    }

    /// A SigLIP case: embeddings and logits as `checkCase`, then the logits' sigmoids (≤ 1e-5) — what
    /// SigLIP reports as probabilities.
    func checkSiglipCase(_ name: String, load: (URL) throws -> CLIPModel) throws {
        try checkCase(name, load: load)
        let model = try load(Fixtures.url("engine/\(name)"))
        XCTAssertEqual(model.config.image.family, .siglip)
        XCTAssertEqual(model.config.text.style, .siglip)
        XCTAssertEqual(model.logitBias ?? 0, -3, accuracy: 1e-6)
        let images = try model.requireVision().embed(pixels: try Fixtures.floats("engine/\(name)/pixels.npy"))
        let texts = try model.requireText().embed(tokens: try Fixtures.tokens("engine/\(name)/tokens.npy"))
        let sigmoids = model.logits(images: images, texts: texts).flatMap { $0 }.map { 1 / (1 + expf(-$0)) }
        let expected = try Fixtures.floats("engine/\(name)/probabilities.npy")
        checkTensor(
            Tensor(shape: expected.shape, values: sigmoids), expected, tolerance: 1e-5, "\(name) sigmoid probabilities")
    }

    /// transformers' SiglipModel (tools/make_siglip_fixtures.py): tanh GELU, no class token, the MAP head,
    /// a bidirectional text tower pooled at its last position through a biased head; logits with
    /// logit_bias, and their sigmoids.
    func testSiglipHuggingFaceTinyWithMAPHeadAndLogitBias() throws {
        try checkSiglipCase("hf_siglip_tiny") { dir in
            let model = try CLIPModel.load(from: dir)
            XCTAssertEqual(model.config.text.transformer.activation, .geluTanh)
            return model
        }
    }

    /// open_clip's CustomTextCLIP with a timm tower (`visual.trunk.*`: fused qkv, `attn_pool.{latent, q, kv}`)
    /// and open_clip's non-causal text transformer (`text.*`, pooled at the last position through a biased
    /// projection): exact-erf GELU in both towers, as timm and open_clip run SigLIP.
    func testSiglipOpenCLIPTimmLayoutTinyWithExactGELU() throws {
        try checkSiglipCase("openclip_siglip_tiny") { dir in
            let model = try CLIPModel.load(from: dir)
            XCTAssertEqual(model.config.text.transformer.activation, .gelu)
            guard case let .siglip(vision) = model.config.image else {
                XCTFail("not SigLIP")
                return model
            }
            XCTAssertEqual(vision.transformer.activation, .gelu)
            XCTAssertEqual(vision.transformer.heads, 4)
            XCTAssertEqual(vision.transformer.layerNormEps, 1e-6)
            XCTAssertEqual(model.config.text.transformer.layerNormEps, 1e-6)
            return model
        }
    }

    /// open_clip's SigLIP 2 configs run the text tower with GELU's tanh approximation (`act_kwargs`).
    func testSiglip2OpenCLIPLayoutTinyWithTanhTextGELU() throws {
        try checkSiglipCase("openclip_siglip2_tiny") { dir in
            let model = try CLIPModel.load(from: dir)
            XCTAssertEqual(model.config.text.transformer.activation, .geluTanh)
            return model
        }
    }

    func testHuggingFaceQuickGELUPatch32OddTextHeads() throws {
        try checkCase("hf_quickgelu_p32") { try CLIPModel.load(from: $0) }
    }

    func testHuggingFaceGELUPatch14StoredInFP16() throws {
        try checkCase("hf_gelu_p14_fp16") { try CLIPModel.load(from: $0) }
    }

    func testOpenCLIPHubFolderGELUPatch16() throws {
        try checkCase("openclip_gelu_p16") { try CLIPModel.load(from: $0) }
    }

    /// Weights packed on a table without AVX-512 carry that table: on any CPU they run its kernels (the
    /// Swift SIMD GEMM, and per-head BLAS attention rather than this CPU's AVX-512 attention kernel), to the
    /// same references. Both towers have 16-wide heads, which the AVX-512 attention kernel would take.
    func testWeightsPackedForAnAVX2TableRunThatTablesKernels() throws {
        let avx2 = KernelTable(features: [.avx2, .f16c])
        try checkCase("openclip_gelu_p16") { dir in
            let model = try CLIPModel.load(from: dir, packing: LinearPacking(.fp32, kernels: avx2))
            // The blocks' layers, which `LinearPacking` packs (the heads are packed by the key maps).
            let blocks = model.packedLayers.filter { $0.part.hasSuffix(" blocks") }
            XCTAssertFalse(blocks.isEmpty)
            XCTAssertEqual(Set(blocks.map(\.kernel)), [avx2.fp32Name])
            return model
        }
    }

    func testOpenCLIPFileWithModelJSONQuickGELUPatch32() throws {
        try checkCase("openclip_quickgelu_p32") { dir in
            let hub =
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: dir.appendingPathComponent("open_clip_config.json"))) as! [String: Any]
            let modelJSON = try JSONSerialization.data(withJSONObject: hub["model_cfg"]!)
            let config = try CLIPConfig(openCLIPConfig: modelJSON)
            XCTAssertEqual(config.vit?.transformer.activation, .quickGELU)
            XCTAssertEqual(config.vit?.transformer.heads, 4)
            return try CLIPModel.load(
                weights: dir.appendingPathComponent("open_clip_model.safetensors"), config: config)
        }
    }

    func testSingleTowerLoadsGiveTheSameEmbeddings() throws {
        let dir = Fixtures.url("engine/hf_quickgelu_p32")
        let textOnly = try CLIPModel.load(from: dir, towers: .text)
        XCTAssertNil(textOnly.vision)
        let visionOnly = try CLIPModel.load(from: dir, towers: .vision)
        XCTAssertNil(visionOnly.text)
        checkTensor(
            try textOnly.requireText().embed(tokens: try Fixtures.tokens("engine/hf_quickgelu_p32/tokens.npy")),
            try Fixtures.floats("engine/hf_quickgelu_p32/text_embeds.npy"), tolerance: Self.embeddingTolerance,
            "text-only load")
        checkTensor(
            try visionOnly.requireVision().embed(pixels: try Fixtures.floats("engine/hf_quickgelu_p32/pixels.npy")),
            try Fixtures.floats("engine/hf_quickgelu_p32/image_embeds.npy"), tolerance: Self.embeddingTolerance,
            "vision-only load")
        assertCLIPError(["image tower was not loaded"]) { try textOnly.requireVision() }
    }

    func testTextBatchingByLengthKeepsInputOrder() throws {
        let dir = Fixtures.url("engine/hf_quickgelu_p32")
        let text = try CLIPModel.load(from: dir, towers: .text).requireText()
        let tokens = try Fixtures.tokens("engine/hf_quickgelu_p32/tokens.npy")
        let expected = try Fixtures.floats("engine/hf_quickgelu_p32/text_embeds.npy")
        // Reversed input, tiny batches, and sequences cut right after their EOT must all give the same rows.
        (text as! TextTransformer).batchLimit = 2
        let reversed = try text.embed(tokens: Array(tokens.reversed()))
        let trimmed = try text.embed(tokens: tokens.map { seq in Array(seq.prefix(through: seq.firstIndex(of: 999)!)) })
        let d = expected.shape[1]
        for i in 0..<tokens.count {
            let want = expected.row(i)
            let gotReversed = reversed.row(tokens.count - 1 - i), gotTrimmed = trimmed.row(i)
            for k in 0..<d {
                XCTAssertEqual(gotReversed[k], want[k], accuracy: Self.embeddingTolerance)
                XCTAssertEqual(gotTrimmed[k], want[k], accuracy: Self.embeddingTolerance)
            }
        }
    }
}
