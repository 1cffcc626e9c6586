"""Full-size ViT-B/32 checkpoints with random weights for `clip eval precision`, and sample photos.

Writes three things under OUT:
  vitb32-random/    transformers CLIPModel(CLIPConfig()) (the ViT-B/32 shapes), random init, seed 0
  vitb32-outliers/  the same weights with CLIP's activation-outlier pattern: trained CLIP ViTs carry a few
                    residual channels 20-100x larger than the rest, which random weights lack (and so
                    flatter int8). In every block of both towers, 4 fixed channels of layer_norm1 and
                    layer_norm2 get gamma x 50 and beta x 10. transformers initialises beta to 0, so beta
                    first gets N(0, 0.02) noise in every channel, or x 10 would change nothing.
  photos/           the scikit-image sample photographs (astronaut, coffee, chelsea, ...) as PNG files

Usage: python tools/make_precision_checkpoints.py OUT
Then:  clip eval precision --model OUT/vitb32-outliers --images OUT/photos
"""
import os
import sys

import numpy as np
import torch
from PIL import Image

import reference_env  # noqa: F401
from transformers import CLIPConfig, CLIPModel

OUTLIER_CHANNELS = [7, 101, 333, 480]  # below 512, so the same channels exist in both towers


def main():
    out = sys.argv[1]
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

    from skimage import data
    photos = os.path.join(out, "photos")
    os.makedirs(photos, exist_ok=True)
    names = ["astronaut", "coffee", "chelsea", "rocket", "cat", "immunohistochemistry", "hubble_deep_field",
             "retina", "colorwheel", "motorcycle_left", "motorcycle_right", "logo"]
    written = 0
    for name in names:
        try:
            img = np.asarray(getattr(data, name)())
        except Exception as e:  # some samples need pooch downloads; there is no network here
            print(f"skipped {name}: {e}")
            continue
        if img.ndim == 3 and img.shape[2] == 4:
            img = img[:, :, :3]
        Image.fromarray(img).convert("RGB").save(os.path.join(photos, f"{name}.png"))
        written += 1
    print(f"wrote {out}/vitb32-random, {out}/vitb32-outliers and {written} photos")


if __name__ == "__main__":
    main()
