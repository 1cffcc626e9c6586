"""Writes SigLIP preprocessing fixtures: what transformers' SiglipImageProcessor gives for the image fixtures
(a fixed 64 × 64 bicubic resize without a crop, "squash"; rescale 1/255; mean and std 0.5), so SwiftCLIP's
SigLIP preprocessing is checked against the reference itself, not only against Pillow calls.

transformers 5's SiglipImageProcessor has two backends: torchvision (the default when torchvision imports)
and Pillow (`SiglipImageProcessorPil`, the fallback here because PyPI's torchvision does not match the CPU
torch; transformers 4's only one). The Pillow backend is the reference; open_clip's SigLIP transform
(torchvision's Resize((s, s), BICUBIC) on a PIL image, which calls Pillow's resize) gives the same pixels
for opaque images (asserted below). The outputs are stored as uint8 (H, W, 3): `(x · 0.5 + 0.5) · 255`
recovers them exactly (asserted), and 8 bits keep the files small.

The references part where transparency is involved, and for palette and 1-bit images: transformers converts
to RGB first (transparency composited onto white, Pillow's alpha_composite), then resizes bicubic; open_clip
resizes in the image's mode (NEAREST for P and 1) and then drops alpha. `siglip_cases.json` records, per
file, whether open_clip's pixels are identical.

Usage (needs tools/requirements.txt; CI does not run this):
    python tools/make_siglip_preprocess_fixtures.py Tests/CLIPTestSupport/Fixtures/images
"""
import json
import os
import sys

import numpy as np
from PIL import Image

import reference_env  # noqa: F401
from transformers.models.siglip.image_processing_pil_siglip import SiglipImageProcessorPil

FILES = ["rgb_baseline.jpg", "gray.jpg", "cmyk.jpg", "rgb.png", "rgba.png", "palette.png", "palette_transparent.png", "gray_alpha.png",
         "rgb_colorkey.png", "gray_colorkey.png", "bilevel.png", "transparent.gif", "palette.gif", "wide_1000x60.png", "tall_90x700.png",
         "odd_333x217_squash.png", "tiny_5x3.png", "rgb16.png", "rgba16.png", "lossy.webp", "alpha.webp"]
SIZE = 64


def main(folder):
    processor = SiglipImageProcessorPil(size={"height": SIZE, "width": SIZE})
    assert processor.resample == Image.BICUBIC and list(processor.image_mean) == [0.5, 0.5, 0.5]
    cases = []
    for name in FILES:
        image = Image.open(os.path.join(folder, name))
        pixels = processor(images=image, return_tensors="np")["pixel_values"][0].transpose(1, 2, 0)
        u8 = np.rint((pixels * 0.5 + 0.5) * 255).astype(np.uint8)
        assert np.array_equal((u8.astype(np.float32) / 255 - 0.5) / 0.5, pixels), name
        np.save(os.path.join(folder, name + ".siglip.npy"), u8)
        # open_clip's order: resize the decoded image, then convert to RGB (its transform's _convert_to_rgb
        # comes after Resize); transformers converts first. They part only where alpha is not 255.
        open_clip = np.asarray(image.resize((SIZE, SIZE), Image.BICUBIC).convert("RGB"))
        opaque = image.mode not in ("RGBA", "LA", "PA") and "transparency" not in image.info
        same = bool(np.array_equal(open_clip, u8))
        assert same or not opaque or image.mode in ("P", "1"), name  # Pillow resizes P and 1 with NEAREST
        cases.append({"file": name, "size": SIZE, "opaque": opaque, "open_clip_identical": same})
        print(name, image.mode, "open_clip identical" if same else "differs from open_clip")
    with open(os.path.join(folder, "siglip_cases.json"), "w") as f:
        json.dump(cases, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "Tests/CLIPTestSupport/Fixtures/images")
