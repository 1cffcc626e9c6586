"""Writes the engine parity fixtures: tiny random-weight CLIP checkpoints in both layouts (transformers
CLIPModel and open_clip CLIP), their inputs, and the reference embeddings and logits.

Usage (needs tools/requirements.txt; CI does not run this):
    python tools/make_engine_fixtures.py Tests/CLIPTestSupport/Fixtures/engine

Weights are re-drawn with larger spreads than the libraries' initialisers (std 0.02 leaves every
embedding nearly identical, which would make a parity check weak).
"""
import json
import os
import sys

import numpy as np
import torch

import reference_env  # noqa: F401  (torchvision stub before open_clip)
import open_clip
from safetensors.torch import save_file
from transformers import CLIPConfig, CLIPModel


def randomize(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("logit_scale"):
                p.fill_(np.log(1 / 0.07))
            elif p.ndim == 1 and ("norm" in name or "ln_" in name or "layer_norm" in name) and name.endswith("weight"):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g))
            elif "embedding" in name or name.endswith("class_embedding"):
                p.copy_(0.5 * torch.randn(p.shape, generator=g))
            else:
                fan_in = p.shape[-1] if p.ndim > 1 else 16
                p.copy_(torch.randn(p.shape, generator=g) / np.sqrt(fan_in) * (1.0 if p.ndim > 1 else 0.3))


def token_batch(vocab, sot, eot, seed, context=77):
    rng = np.random.default_rng(seed)
    ends = [1, 5, 17, 40, context - 1]
    rows = []
    for end in ends:
        row = np.zeros(context, dtype=np.int32)
        row[0] = sot
        row[1:end] = rng.integers(1, min(sot, eot) - 1, size=end - 1)
        row[end] = eot
        rows.append(row)
    return np.stack(rows)


def save_io(out, pixels, tokens, img, txt, img_raw, scale):
    img_n = img / img.norm(dim=-1, keepdim=True)
    txt_n = txt / txt.norm(dim=-1, keepdim=True)
    np.save(os.path.join(out, "pixels.npy"), pixels.numpy().astype(np.float32))
    np.save(os.path.join(out, "tokens.npy"), tokens.astype(np.int32))
    np.save(os.path.join(out, "image_embeds.npy"), img_n.numpy().astype(np.float32))
    np.save(os.path.join(out, "text_embeds.npy"), txt_n.numpy().astype(np.float32))
    np.save(os.path.join(out, "image_features.npy"), img_raw.numpy().astype(np.float32))
    np.save(os.path.join(out, "logits_per_image.npy"), (scale * img_n @ txt_n.T).numpy().astype(np.float32))


def hf_case(root, name, text_cfg, vision_cfg, projection_dim, seed, dtype=torch.float32):
    out = os.path.join(root, name)
    os.makedirs(out, exist_ok=True)
    config = CLIPConfig(text_config=text_cfg, vision_config=vision_cfg, projection_dim=projection_dim)
    model = CLIPModel(config).eval()
    randomize(model, seed)
    if dtype != torch.float32:
        # The reference runs in fp32 on the fp16-rounded weights, exactly what SwiftCLIP computes.
        model = model.to(dtype).to(torch.float32)
    state = {k: v.detach().to(dtype).contiguous() for k, v in model.state_dict().items()}
    save_file(state, os.path.join(out, "model.safetensors"), metadata={"format": "pt"})
    config.save_pretrained(out)
    size = vision_cfg["image_size"]
    pixels = torch.randn(3, 3, size, size, generator=torch.Generator().manual_seed(seed + 1))
    vocab = text_cfg["vocab_size"]
    tokens = token_batch(vocab, vocab - 2, vocab - 1, seed + 2)
    with torch.no_grad():
        img = model.get_image_features(pixel_values=pixels).pooler_output
        txt = model.get_text_features(input_ids=torch.from_numpy(tokens).long()).pooler_output
        scale = model.logit_scale.exp()
    save_io(out, pixels, tokens, img, txt, img, scale)
    print(name, "ok")


def open_clip_case(root, name, model_cfg, seed):
    out = os.path.join(root, name)
    os.makedirs(out, exist_ok=True)
    model = open_clip.model.CLIP(**model_cfg).eval()
    randomize(model, seed)
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(state, os.path.join(out, "open_clip_model.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(out, "open_clip_config.json"), "w") as f:
        json.dump({"model_cfg": model_cfg, "preprocess_cfg": {}}, f, indent=2)
    save_io(out, *open_clip_io(model, model_cfg, seed))
    print(name, "ok")


def open_clip_io(model, model_cfg, seed):
    """Seeded pixels and token rows for an open_clip model, and its outputs: what save_io() writes."""
    size = model_cfg["vision_cfg"]["image_size"]
    pixels = torch.randn(3, 3, size, size, generator=torch.Generator().manual_seed(seed + 1))
    vocab = model_cfg["text_cfg"]["vocab_size"]
    tokens = token_batch(vocab, vocab - 2, vocab - 1, seed + 2)
    with torch.no_grad():
        img = model.encode_image(pixels)
        txt = model.encode_text(torch.from_numpy(tokens).long())
        scale = model.logit_scale.exp()
    return pixels, tokens, img, txt, img, scale


def main(root):
    torch.set_num_threads(1)
    # QuickGELU, patch 32, odd head count (3) in the text tower.
    hf_case(root, "hf_quickgelu_p32",
            text_cfg=dict(hidden_size=48, intermediate_size=192, num_attention_heads=3, num_hidden_layers=2,
                          vocab_size=1000, eos_token_id=999, bos_token_id=998, hidden_act="quick_gelu"),
            vision_cfg=dict(hidden_size=64, intermediate_size=256, num_attention_heads=4, num_hidden_layers=2,
                            image_size=96, patch_size=32, hidden_act="quick_gelu"),
            projection_dim=40, seed=10)
    # Exact GELU, patch 14, odd head count (5) in the vision tower, the real vocabulary, stored in fp16.
    hf_case(root, "hf_gelu_p14_fp16",
            text_cfg=dict(hidden_size=32, intermediate_size=128, num_attention_heads=2, num_hidden_layers=2,
                          vocab_size=49408, hidden_act="gelu"),
            vision_cfg=dict(hidden_size=60, intermediate_size=150, num_attention_heads=5, num_hidden_layers=2,
                            image_size=56, patch_size=14, hidden_act="gelu"),
            projection_dim=24, seed=20, dtype=torch.float16)
    # open_clip layout (fused in_proj, [in, out] projections), GELU, patch 16.
    open_clip_case(root, "openclip_gelu_p16", dict(
        embed_dim=32,
        vision_cfg=dict(image_size=64, layers=2, width=64, head_width=16, patch_size=16),
        text_cfg=dict(context_length=77, vocab_size=1000, width=48, heads=3, layers=2)), seed=30)
    # open_clip layout with QuickGELU (as OpenAI weights are loaded), patch 32.
    open_clip_case(root, "openclip_quickgelu_p32", dict(
        embed_dim=16, quick_gelu=True,
        vision_cfg=dict(image_size=64, layers=3, width=32, head_width=8, patch_size=32),
        text_cfg=dict(context_length=77, vocab_size=500, width=40, heads=5, layers=1)), seed=40)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "Tests/CLIPTestSupport/Fixtures/engine")
