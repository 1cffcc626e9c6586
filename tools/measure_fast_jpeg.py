"""Cost of the JPEG DCT-scaling fast path (`--jpeg fast`) against exact decoding, on real photographs.

No large real photos exist offline here, so the photos are the ones that ship inside the scikit-image and
matplotlib wheels (300–1411 px), saved as JPEG q92, and the target is 96 px: the fast path's rule (smallest DCT
scale keeping the short side ≥ 2× the target) then picks the same factors (1/2, 1/4) it picks for a 12 MP photo
at 224–448 px. Embeddings come from the tiny random-weight fixture model (image size 96): trained CLIP weights are
not available offline, so read the embedding cosine as indicative and the input-tensor numbers as exact.

Usage: python tools/measure_fast_jpeg.py --photos DIR [--clip .build/release/clip]
"""
import argparse
import glob
import os
import subprocess
import tempfile

import numpy as np
from PIL import Image

MODEL = "Tests/CLIPTestSupport/Fixtures/engine/hf_quickgelu_p32"


def run(clip, *args):
    subprocess.run([clip, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--photos", required=True)
    ap.add_argument("--clip", default=".build/release/clip")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp()
    files = []
    for path in sorted(glob.glob(os.path.join(args.photos, "*"))):
        out = os.path.join(tmp, os.path.splitext(os.path.basename(path))[0] + ".jpg")
        Image.open(path).convert("RGB").save(out, quality=92)
        files.append(out)
    print(f"{'photo':24s} {'size':>10s} {'tensor cos':>11s} {'max Δ (levels)':>15s} {'embedding cos':>14s}")
    for f in files:
        exact, fast = os.path.join(tmp, "e.npy"), os.path.join(tmp, "f.npy")
        run(args.clip, "preprocess", f, "--size", "96", "-o", exact)
        run(args.clip, "preprocess", f, "--size", "96", "--jpeg", "fast", "-o", fast)
        a, b = np.load(exact).ravel(), np.load(fast).ravel()
        tensor_cos = float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))
        std = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32).repeat(96 * 96)
        max_levels = float(np.abs(a - b).__mul__(std).max() * 255)
        run(args.clip, "embed", "--model", MODEL, "--images", f, "-o", exact)
        run(args.clip, "embed", "--model", MODEL, "--images", f, "--jpeg", "fast", "-o", fast)
        emb_cos = float(np.load(exact).ravel() @ np.load(fast).ravel())
        w, h = Image.open(f).size
        print(f"{os.path.basename(f):24s} {w:>4d}x{h:<5d} {tensor_cos:11.6f} {max_levels:15.1f} {emb_cos:14.6f}")


if __name__ == "__main__":
    main()
