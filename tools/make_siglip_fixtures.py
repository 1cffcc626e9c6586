"""Writes the SigLIP parity fixtures: tiny random-weight transformers `SiglipModel` checkpoints (tanh GELU,
no class token, the MAP head, a bidirectional text tower pooled at its last position), their inputs, and
the reference embeddings, logits (with logit_bias) and sigmoid probabilities.

Usage (needs tools/requirements.txt; CI does not run this):
    python tools/make_siglip_fixtures.py Tests/CLIPTests/Fixtures/engine
"""
import os
import sys

import numpy as np
import torch

import reference_env  # noqa: F401
from transformers import SiglipConfig, SiglipModel

from make_engine_fixtures import randomize


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
    size = vision_cfg["image_size"]
    pixels = torch.randn(3, 3, size, size, generator=torch.Generator().manual_seed(seed + 1))
    rng = np.random.default_rng(seed + 2)
    tokens = rng.integers(0, text_cfg["vocab_size"], size=(4, text_length)).astype(np.int32)
    with torch.no_grad():
        img = model.get_image_features(pixel_values=pixels).pooler_output
        txt = model.get_text_features(input_ids=torch.from_numpy(tokens).long()).pooler_output
        img_n = img / img.norm(dim=-1, keepdim=True)
        txt_n = txt / txt.norm(dim=-1, keepdim=True)
        logits = img_n @ txt_n.T * model.logit_scale.exp() + model.logit_bias
    np.save(os.path.join(out, "pixels.npy"), pixels.numpy().astype(np.float32))
    np.save(os.path.join(out, "tokens.npy"), tokens)
    np.save(os.path.join(out, "image_embeds.npy"), img_n.numpy().astype(np.float32))
    np.save(os.path.join(out, "text_embeds.npy"), txt_n.numpy().astype(np.float32))
    np.save(os.path.join(out, "image_features.npy"), img.numpy().astype(np.float32))
    np.save(os.path.join(out, "logits_per_image.npy"), logits.numpy().astype(np.float32))
    np.save(os.path.join(out, "probabilities.npy"), torch.sigmoid(logits).numpy().astype(np.float32))
    print(name, "ok")


def main(root):
    torch.set_num_threads(1)
    case(root, "hf_siglip_tiny",
         text_cfg=dict(hidden_size=48, intermediate_size=96, num_attention_heads=3, num_hidden_layers=2, vocab_size=300,
                       max_position_embeddings=16, hidden_act="gelu_pytorch_tanh", projection_size=48),
         vision_cfg=dict(hidden_size=48, intermediate_size=96, num_attention_heads=4, num_hidden_layers=2, image_size=32,
                         patch_size=8, hidden_act="gelu_pytorch_tanh"),
         seed=70, text_length=16)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "Tests/CLIPTests/Fixtures/engine")
