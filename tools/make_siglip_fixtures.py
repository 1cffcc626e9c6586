"""Writes the SigLIP parity fixtures: tiny random-weight checkpoints, their inputs, and the reference
embeddings, logits (with logit_bias) and sigmoid probabilities, for each layout SigLIP is published in:
- transformers' `SiglipModel` (tanh GELU, no class token, the MAP head, a bidirectional text tower pooled at
  its last position): `hf_siglip_tiny`;
- open_clip's `CustomTextCLIP` with a timm `VisionTransformer(class_token=False, global_pool='map')` (exact
  GELU; fused qkv, `attn_pool.{latent, q, kv}`) and open_clip's text transformer (`no_causal_mask`,
  `pool_type='last'`, `proj_bias`): `openclip_siglip_tiny`, and `openclip_siglip2_tiny` whose text tower
  uses GELU's tanh approximation (`act_kwargs`, as open_clip's SigLIP 2 configs).
  The timm tower is registered under a name of its own; the config also spells its shape out
  (`width`, `layers`, …, which open_clip ignores when `timm_model_name` is set) for SwiftCLIP to read.

Usage (needs tools/requirements.txt; CI does not run this):
    python tools/make_siglip_fixtures.py Tests/CLIPTestSupport/Fixtures/engine
"""
import os
import sys

import numpy as np
import torch

import reference_env  # noqa: F401
from transformers import SiglipConfig, SiglipModel

from make_engine_fixtures import randomize


def inputs(size, vocab, seed, text_length):
    """Seeded pixels (3 images) and token rows (4 texts)."""
    pixels = torch.randn(3, 3, size, size, generator=torch.Generator().manual_seed(seed + 1))
    tokens = np.random.default_rng(seed + 2).integers(0, vocab, size=(4, text_length)).astype(np.int32)
    return pixels, tokens


def save_outputs(out, name, pixels, tokens, img, txt, logit_scale, logit_bias):
    """The inputs, the embeddings (raw image features too), the logits with the bias, and their sigmoids."""
    img_n = img / img.norm(dim=-1, keepdim=True)
    txt_n = txt / txt.norm(dim=-1, keepdim=True)
    logits = img_n @ txt_n.T * logit_scale.exp() + logit_bias
    for file, value in [("pixels", pixels.numpy()), ("image_embeds", img_n.numpy()), ("text_embeds", txt_n.numpy()),
                        ("image_features", img.numpy()), ("logits_per_image", logits.numpy()),
                        ("probabilities", torch.sigmoid(logits).numpy())]:
        np.save(os.path.join(out, file + ".npy"), value.astype(np.float32))
    np.save(os.path.join(out, "tokens.npy"), tokens)
    print(name, "ok")


def case(root, name, text_cfg, vision_cfg, seed, text_length):
    out = os.path.join(root, name)
    os.makedirs(out, exist_ok=True)
    config = SiglipConfig(text_config=text_cfg, vision_config=vision_cfg)
    model = SiglipModel(config).eval()
    randomize(model, seed)
    with torch.no_grad():
        model.logit_bias.fill_(-3.0)
        model.logit_scale.fill_(np.log(10.0))
    model.save_pretrained(out)
    pixels, tokens = inputs(vision_cfg["image_size"], text_cfg["vocab_size"], seed, text_length)
    with torch.no_grad():
        img = model.get_image_features(pixel_values=pixels).pooler_output
        txt = model.get_text_features(input_ids=torch.from_numpy(tokens).long()).pooler_output
        save_outputs(out, name, pixels, tokens, img, txt, model.logit_scale, model.logit_bias)


def register_tiny_timm_tower():
    """A tiny timm SigLIP tower: timm's ViT with SigLIP's settings (as timm's vit_*_siglip_* models)."""
    from functools import partial
    import timm
    from timm.models import VisionTransformer, register_model

    @register_model
    def vit_test48_patch8_siglip_32(pretrained=False, **kwargs):
        kwargs.pop("pretrained_cfg", None), kwargs.pop("pretrained_cfg_overlay", None), kwargs.pop("cache_dir", None)
        return VisionTransformer(img_size=32, patch_size=8, embed_dim=48, depth=2, num_heads=4, mlp_ratio=2.0, class_token=False,
                                 norm_layer=partial(torch.nn.LayerNorm, eps=1e-6), **kwargs)
    assert "vit_test48_patch8_siglip_32" in timm.list_models("vit_test48*")


def open_clip_case(root, name, seed, text_act_kwargs=None):
    import json
    import open_clip
    from safetensors.torch import save_file
    out = os.path.join(root, name)
    os.makedirs(out, exist_ok=True)
    text_cfg = dict(context_length=16, vocab_size=300, width=48, heads=3, layers=2, no_causal_mask=True, proj_bias=True,
                    pool_type="last", norm_kwargs={"eps": 1e-6})
    if text_act_kwargs:
        text_cfg["act_kwargs"] = text_act_kwargs
    model_cfg = dict(embed_dim=48, init_logit_bias=-10, custom_text=True,
                     vision_cfg=dict(image_size=32, timm_model_name="vit_test48_patch8_siglip_32", timm_model_pretrained=False,
                                     timm_pool="map", timm_proj="none",
                                     width=48, layers=2, head_width=12, mlp_ratio=2.0, patch_size=8),
                     text_cfg=text_cfg)
    model = open_clip.model.CustomTextCLIP(**{k: v for k, v in model_cfg.items() if k != "custom_text"}).eval()
    assert model.visual.trunk.global_pool == "map" and model.visual.trunk.cls_token is None
    randomize(model, seed)
    with torch.no_grad():
        model.logit_bias.fill_(-3.0)
        model.logit_scale.fill_(np.log(10.0))
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(state, os.path.join(out, "open_clip_model.safetensors"))
    with open(os.path.join(out, "open_clip_config.json"), "w") as f:
        json.dump({"model_cfg": model_cfg, "preprocess_cfg": {}}, f, indent=2)
    pixels, tokens = inputs(32, 300, seed, 16)
    with torch.no_grad():
        img = model.encode_image(pixels)
        txt = model.encode_text(torch.from_numpy(tokens).long())
        save_outputs(out, name, pixels, tokens, img, txt, model.logit_scale, model.logit_bias)


SIGLIP_NAMES = ["ViT-B-16-SigLIP", "ViT-B-16-SigLIP-384", "ViT-L-16-SigLIP-384", "ViT-SO400M-14-SigLIP", "ViT-SO400M-14-SigLIP-384",
                "ViT-B-16-SigLIP2", "ViT-B-32-SigLIP2-256", "ViT-SO400M-14-SigLIP2"]


def architectures(root):
    """open_clip's own parameter counts for the SigLIP names SwiftCLIP knows (models built on the meta
    device: shapes only), so the shapes SwiftCLIP derives from each name are checked against the reference."""
    import json
    import open_clip
    table = {}
    for name in SIGLIP_NAMES:
        with torch.device("meta"):
            model = open_clip.create_model(name, pretrained=None, device="meta")
        count = lambda module: sum(p.numel() for p in module.parameters())
        table[name] = {"image_parameters": count(model.visual), "text_parameters": count(model.text),
                       "image_size": model.visual.image_size[0], "context_length": model.text.context_length}
    with open(os.path.join(root, "siglip_architectures.json"), "w") as f:
        json.dump(table, f, indent=1)
    print("siglip_architectures.json ok")


def main(root):
    torch.set_num_threads(1)
    case(root, "hf_siglip_tiny",
         text_cfg=dict(hidden_size=48, intermediate_size=96, num_attention_heads=3, num_hidden_layers=2, vocab_size=300,
                       max_position_embeddings=16, hidden_act="gelu_pytorch_tanh", projection_size=48),
         vision_cfg=dict(hidden_size=48, intermediate_size=96, num_attention_heads=4, num_hidden_layers=2, image_size=32,
                         patch_size=8, hidden_act="gelu_pytorch_tanh"),
         seed=70, text_length=16)
    register_tiny_timm_tower()
    open_clip_case(root, "openclip_siglip_tiny", seed=80)
    open_clip_case(root, "openclip_siglip2_tiny", seed=90, text_act_kwargs={"approximate": "tanh"})
    architectures(root)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "Tests/CLIPTestSupport/Fixtures/engine")
