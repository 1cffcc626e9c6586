"""Full-size SigLIP parity check (not run in CI): ViT-B-16-SigLIP's shape with random weights, in both layouts
it is published in, embedded by the reference and by `clip embed`, compared at the engine's tolerance (max abs
diff ≤ 1e-4 on L2-normalised embeddings):
- transformers' `SiglipModel` at its defaults (google/siglip-base-patch16-224's shape: 203 M parameters, tanh
  GELU), saved with save_pretrained, texts through transformers' `SiglipTokenizer`;
- open_clip's `ViT-B-16-SigLIP` (timm's vit_base_patch16_siglip_224, exact GELU), saved as the hub's
  timm/ViT-B-16-SigLIP holds it (open_clip_config.json + open_clip_model.safetensors + tokenizer.json), texts
  through open_clip's `HFTokenizer(clean="canonicalize")`.
The tokenizer is the tiny T5-style fixture (Tests/CLIPTestSupport/Fixtures/sentencepiece), whose ids fit the 32,000
vocabulary; the real one cannot be downloaded here.

Usage (after scripts/setup.sh, with tools/requirements.txt installed):
    python tools/check_full_siglip.py [--clip .build/release/clip] [--dir /tmp/clip-siglip]
"""
import argparse
import json
import os
import shutil
import sys

import numpy as np
import torch

import reference_env  # noqa: F401
import open_clip
from safetensors.torch import save_file
from transformers import SiglipConfig, SiglipModel, SiglipTokenizer

from check_full_vitb32 import compare_with_clip
from make_engine_fixtures import randomize

# No empty text: `clip embed --texts` refuses an empty line (the tokenizer tests cover "").
TEXTS = ["a photo of a dog", "a diagram of a neural network", "a", "A VERY LONG caption " * 20,
         "café crème brûlée", "two_cats sleeping on a red sofa, in the afternoon sun!"]
FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "CLIPTestSupport", "Fixtures", "sentencepiece")


def huggingface(root, pixels):
    out = os.path.join(root, "hf")
    os.makedirs(out, exist_ok=True)
    model = SiglipModel(SiglipConfig()).eval()
    randomize(model, seed=7)
    model.save_pretrained(out)
    shutil.copy(os.path.join(FIXTURE, "spiece.model"), os.path.join(out, "spiece.model"))
    tokens = SiglipTokenizer(vocab_file=os.path.join(out, "spiece.model"))(TEXTS, padding="max_length", max_length=64, truncation=True,
                                                                          return_tensors="pt")["input_ids"]
    with torch.no_grad():
        img = model.get_image_features(pixel_values=pixels).pooler_output
        txt = model.get_text_features(input_ids=tokens).pooler_output
    return out, img, txt


def open_clip_layout(root, pixels):
    out = os.path.join(root, "open_clip")
    os.makedirs(out, exist_ok=True)
    model = open_clip.create_model("ViT-B-16-SigLIP", pretrained=None).eval()
    randomize(model, seed=8)
    with torch.no_grad():
        model.logit_bias.fill_(-10.0)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, os.path.join(out, "open_clip_model.safetensors"))
    config = open_clip.get_model_config("ViT-B-16-SigLIP")
    with open(os.path.join(out, "open_clip_config.json"), "w") as f:
        json.dump({"model_cfg": config, "preprocess_cfg": {"mean": [0.5] * 3, "std": [0.5] * 3, "interpolation": "bicubic",
                                                           "resize_mode": "squash", "size": 224}}, f)
    for name in ["tokenizer.json", "tokenizer_config.json"]:
        shutil.copy(os.path.join(FIXTURE, name), os.path.join(out, name))
    tokenizer = open_clip.tokenizer.HFTokenizer(out, context_length=64, clean="canonicalize")
    with torch.no_grad():
        img = model.encode_image(pixels)
        txt = model.encode_text(tokenizer(TEXTS))
    return out, img, txt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clip", default=".build/release/clip")
    ap.add_argument("--dir", default="/tmp/clip-siglip")
    args = ap.parse_args()
    torch.manual_seed(0)
    pixels = torch.randn(4, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    ok = True
    for build, label in [(huggingface, "transformers SiglipModel (siglip-base-patch16-224 shape)"),
                         (open_clip_layout, "open_clip ViT-B-16-SigLIP (timm tower)")]:
        folder, img, txt = build(args.dir, pixels)
        np.save(os.path.join(folder, "pixels.npy"), pixels.numpy())
        with open(os.path.join(folder, "texts.txt"), "w") as f:
            f.write("\n".join(TEXTS) + "\n")
        ok = compare_with_clip(argparse.Namespace(clip=args.clip, dir=folder), img, txt, label + ", random weights") and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
