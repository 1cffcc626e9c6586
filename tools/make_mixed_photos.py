"""A folder of JPEG photos of mixed sizes for end-to-end benchmarks (`clip embed` against model-only speed).

Offline there are no camera photos, so each file is one of the photographs that ship with scikit-image,
resized with Pillow's bicubic filter to 0.3, 2 or 12 megapixels (640×480, 1632×1224, 4000×3000, cycling), with
mild Gaussian noise (σ = 4 levels) so the entropy-coded data is as dense as a camera's rather than the smooth
result of an upscale, saved as JPEG quality 90 with 4:2:0 chroma subsampling.

Usage: python tools/make_mixed_photos.py OUT [--count 64] [--sizes 0.3,2,12]
"""
import argparse
import os

import numpy as np
from PIL import Image
import skimage

SIZES = {"0.3": (640, 480), "2": (1632, 1224), "12": (4000, 3000)}
# The colour photographs in scikit-image's wheel (its data folder), as tools/make_precision_checkpoints.py uses.
PHOTOS = ["astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "hubble_deep_field.jpg", "ihc.png",
          "retina.jpg", "motorcycle_left.png", "brick.png", "grass.png"]


def photo(name):
    return Image.open(os.path.join(os.path.dirname(skimage.__file__), "data", name)).convert("RGB")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--count", type=int, default=64)
    ap.add_argument("--sizes", default="0.3,2,12", help="megapixel classes to cycle through: " + ",".join(SIZES))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    sizes = args.sizes.split(",")
    sources = [photo(name) for name in PHOTOS]
    rng = np.random.default_rng(0)
    for i in range(args.count):
        size = sizes[i % len(sizes)]
        image = sources[i % len(sources)].resize(SIZES[size], Image.BICUBIC)
        noisy = np.asarray(image, dtype=np.float32) + rng.normal(0, 4, (SIZES[size][1], SIZES[size][0], 3))
        Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(
            os.path.join(args.out, f"{i:03d}-{size}mp.jpg"), quality=90, subsampling="4:2:0")


if __name__ == "__main__":
    main()
