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
import sys

import numpy as np
import torch
from safetensors.torch import save_file

import reference_env  # noqa: F401
import open_clip
from open_clip.tokenizer import SimpleTokenizer

from make_resnet_fixtures import randomize_resnet
from check_full_vitb32 import TEXTS, compare_with_clip


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
    sys.exit(0 if compare_with_clip(args, img, txt, "RN50 random weights, random BatchNorm statistics") else 1)


if __name__ == "__main__":
    main()
