"""Full-size parity check (not run in CI): a ViT-B/32 CLIPModel with random weights, saved in the HF layout,
embedded by transformers and by `clip embed`, compared at the engine's tolerance (max abs diff ≤ 1e-4 on
L2-normalised embeddings).

Usage (after scripts/setup.sh, with tools/requirements.txt installed):
    python tools/check_full_vitb32.py [--clip .build/release/clip] [--dir /tmp/clip-vitb32]
"""
import argparse
import os
import subprocess
import sys
import time

import numpy as np
import torch

import reference_env  # noqa: F401
from open_clip.tokenizer import SimpleTokenizer
from transformers import CLIPConfig, CLIPModel

from make_engine_fixtures import randomize

# No empty text: `clip embed --texts` refuses an empty line (the tokenizer tests cover "").
TEXTS = ["a photo of a dog", "a diagram of a neural network", "a", "A VERY LONG caption " * 20,
         "café crème brûlée 🍮", "two cats sleeping on a red sofa in the afternoon sun"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clip", default=".build/release/clip")
    ap.add_argument("--dir", default="/tmp/clip-vitb32")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    torch.manual_seed(0)
    model = CLIPModel(CLIPConfig()).eval()  # the defaults are openai/clip-vit-base-patch32's shape
    randomize(model, seed=7)
    model.save_pretrained(args.dir)

    pixels = torch.randn(4, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    np.save(os.path.join(args.dir, "pixels.npy"), pixels.numpy())
    with open(os.path.join(args.dir, "texts.txt"), "w") as f:
        f.write("\n".join(TEXTS) + "\n")
    tokens = SimpleTokenizer()(TEXTS)
    with torch.no_grad():
        img = model.get_image_features(pixel_values=pixels).pooler_output
        txt = model.get_text_features(input_ids=tokens).pooler_output
    sys.exit(0 if compare_with_clip(args, img, txt, "ViT-B/32 random weights") else 1)


def compare_with_clip(args, img, txt, label):
    """Runs `clip embed` on the pixels.npy and texts.txt in args.dir and compares with the reference's
    (unnormalised) image and text features at the engine's tolerance; prints and returns the verdict."""
    img = (img / img.norm(dim=-1, keepdim=True)).numpy()
    txt = (txt / txt.norm(dim=-1, keepdim=True)).numpy()
    out_img, out_txt = os.path.join(args.dir, "swift_images.npy"), os.path.join(args.dir, "swift_texts.npy")
    subprocess.run([args.clip, "embed", "--model", args.dir, "--pixels", os.path.join(args.dir, "pixels.npy"), "-o", out_img], check=True)
    start = time.perf_counter()
    subprocess.run([args.clip, "embed", "--model", args.dir, "--texts", os.path.join(args.dir, "texts.txt"), "-o", out_txt], check=True)
    text_wall = time.perf_counter() - start
    d_img = np.abs(np.load(out_img) - img).max()
    d_txt = np.abs(np.load(out_txt) - txt).max()
    print(f"{label}: image max abs diff {d_img:.3g}, text max abs diff {d_txt:.3g} (tolerance 1e-4)")
    print(f"clip embed --texts ({len(TEXTS)} texts, load + tokenize + embed): {text_wall:.2f} s wall")
    ok = d_img <= 1e-4 and d_txt <= 1e-4
    print("PASS" if ok else "FAIL")
    return ok


if __name__ == "__main__":
    main()
