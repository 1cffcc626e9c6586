"""Full-size parity check (not run in CI): open_clip's RN50 with random weights and random BatchNorm
statistics, saved as an open_clip hub folder (open_clip_config.json + open_clip_model.safetensors, QuickGELU
as OpenAI's RN50), embedded by open_clip and by `clip embed`, compared at the engine's tolerance (max abs
diff ≤ 1e-4 on L2-normalised embeddings).

Usage (with tools/requirements.txt installed):
    python tools/check_full_rn50.py [--clip .build/release/clip] [--dir /tmp/clip-rn50]
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
import torch
from safetensors.torch import save_file

import reference_env  # noqa: F401
import open_clip
from open_clip.tokenizer import SimpleTokenizer

from make_resnet_fixtures import randomize_resnet
from check_full_vitb32 import TEXTS


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clip", default=".build/release/clip")
    ap.add_argument("--dir", default="/tmp/clip-rn50")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    cfg = json.load(open(os.path.join(os.path.dirname(open_clip.__file__), "model_configs", "RN50-quickgelu.json")))
    model = open_clip.model.CLIP(**cfg).eval()
    randomize_resnet(model, seed=11)
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(state, os.path.join(args.dir, "open_clip_model.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(args.dir, "open_clip_config.json"), "w") as f:
        json.dump({"model_cfg": cfg, "preprocess_cfg": {}}, f, indent=2)

    pixels = torch.randn(4, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    np.save(os.path.join(args.dir, "pixels.npy"), pixels.numpy())
    with open(os.path.join(args.dir, "texts.txt"), "w") as f:
        f.write("\n".join(TEXTS) + "\n")
    tokens = SimpleTokenizer()(TEXTS)
    with torch.no_grad():
        img = model.encode_image(pixels)
        txt = model.encode_text(tokens)
    img = (img / img.norm(dim=-1, keepdim=True)).numpy()
    txt = (txt / txt.norm(dim=-1, keepdim=True)).numpy()

    out_img, out_txt = os.path.join(args.dir, "swift_images.npy"), os.path.join(args.dir, "swift_texts.npy")
    subprocess.run([args.clip, "embed", "--model", args.dir, "--pixels", os.path.join(args.dir, "pixels.npy"), "-o", out_img], check=True)
    subprocess.run([args.clip, "embed", "--model", args.dir, "--texts", os.path.join(args.dir, "texts.txt"), "-o", out_txt], check=True)
    d_img = np.abs(np.load(out_img) - img).max()
    d_txt = np.abs(np.load(out_txt) - txt).max()
    print(f"RN50 random weights, random BatchNorm statistics: image max abs diff {d_img:.3g}, text max abs diff {d_txt:.3g} (tolerance 1e-4)")
    ok = d_img <= 1e-4 and d_txt <= 1e-4
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
