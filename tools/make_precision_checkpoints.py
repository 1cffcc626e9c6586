"""Full-size ViT-B/32 checkpoints with random weights for `clip eval precision`, and sample photos.

Writes three things under OUT:
  vitb32-random/    transformers CLIPModel(CLIPConfig()) (the ViT-B/32 shapes), random init, seed 0
  vitb32-outliers/  the same weights with CLIP's activation-outlier pattern: trained CLIP ViTs carry a few
                    residual channels 20-100x larger than the rest, which random weights lack (and so
                    flatter int8). In every block of both towers, 4 fixed channels of layer_norm1 and
                    layer_norm2 get gamma x 50 and beta x 10. transformers initialises beta to 0, so beta
                    first gets N(0, 0.02) noise in every channel, or x 10 would change nothing.
  photos/           the photographs that ship inside the scikit-image wheel (astronaut, coffee, chelsea, ...)
  jpegs/            with --jpegs N: N distinct JPEGs cut from those photos (random crop of 40-100% of each
                    side, rescaled to 0.2-2 megapixels, quality 80-95), for indexing throughput

Usage: python tools/make_precision_checkpoints.py OUT [--jpegs 1000]
Then:  clip eval precision --model OUT/vitb32-outliers --images OUT/photos
"""
import argparse
import os
import random
import shutil

import numpy as np
import torch
from PIL import Image

import reference_env  # noqa: F401
from transformers import CLIPConfig, CLIPModel

OUTLIER_CHANNELS = [7, 101, 333, 480]  # below 512, so the same channels exist in both towers


PHOTOS = ["astronaut.png", "brick.png", "camera.png", "cell.png", "chelsea.png", "coffee.png", "coins.png",
          "grass.png", "gravel.png", "hubble_deep_field.jpg", "ihc.png", "moon.png", "motorcycle_left.png",
          "motorcycle_right.png", "retina.jpg", "rocket.jpg", "clock_motion.png", "microaneurysms.png"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--jpegs", type=int, default=0)
    args = ap.parse_args()
    out = args.out
    torch.manual_seed(0)
    model = CLIPModel(CLIPConfig()).eval()
    model.save_pretrained(os.path.join(out, "vitb32-random"))
    with torch.no_grad():
        for name, p in model.named_parameters():
            if ".layer_norm1." in name or ".layer_norm2." in name:
                if name.endswith(".bias"):
                    p.add_(torch.randn_like(p) * 0.02)
                    p[OUTLIER_CHANNELS] *= 10
                else:
                    p[OUTLIER_CHANNELS] *= 50
    model.save_pretrained(os.path.join(out, "vitb32-outliers"))

    import skimage
    source = os.path.join(os.path.dirname(skimage.__file__), "data")
    photos = os.path.join(out, "photos")
    os.makedirs(photos, exist_ok=True)
    images = []
    for name in PHOTOS:
        path = os.path.join(source, name)
        if not os.path.exists(path):
            print(f"skipped {name}: not in this scikit-image wheel")
            continue
        shutil.copy(path, photos)
        images.append(Image.open(path).convert("RGB"))
    print(f"wrote {out}/vitb32-random, {out}/vitb32-outliers and {len(images)} photos")

    if args.jpegs:
        rng = random.Random(0)
        jpegs = os.path.join(out, "jpegs")
        os.makedirs(jpegs, exist_ok=True)
        for i in range(args.jpegs):
            img = images[i % len(images)]
            w, h = img.size
            cw, ch = int(w * rng.uniform(0.4, 1)), int(h * rng.uniform(0.4, 1))
            x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
            megapixels = rng.uniform(0.2, 2.0)
            scale = (megapixels * 1e6 / (cw * ch)) ** 0.5
            crop = img.crop((x, y, x + cw, y + ch)).resize((max(1, int(cw * scale)), max(1, int(ch * scale))), Image.BICUBIC)
            crop.save(os.path.join(jpegs, f"{i:04d}.jpg"), quality=rng.randint(80, 95))
        print(f"wrote {args.jpegs} JPEGs to {jpegs}")


if __name__ == "__main__":
    main()
