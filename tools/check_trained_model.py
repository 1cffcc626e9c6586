"""Shows that a model written by `clip train` loads in transformers' CLIPModel (and CLIPProcessor) with the
embeddings SwiftCLIP gives: it runs `clip embed` on some images and captions, computes the same with
transformers, and prints the max abs differences (pass: ≤ 1e-4).

Usage: python tools/check_trained_model.py MODEL_DIR IMAGE_DIR [--clip .build/release/clip] [--n 16]
  e.g. python tools/check_trained_model.py models/synthetic-shapes /tmp/synth/heldout/images
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import torch
from PIL import Image
import reference_env  # noqa: F401,E402  (a broken torchvision from PyPI must not reach transformers)
from transformers import CLIPImageProcessor, CLIPModel, CLIPTokenizer

CAPTIONS = ["a red circle", "two small green squares on the left of a black background", "a shape on a white background",
            "three large purple crosses on the top of a gray background"]


def preprocess(model_dir, files):
    """CLIPImageProcessor's pixels. Its torch backend needs torchvision's interpolation table, which
    reference_env keeps out (PyPI's torchvision does not match the CPU torch), so where it fails the same steps
    run here from the folder's preprocessor_config.json: shortest edge to size (PIL bicubic), centre crop,
    1/255, mean/std."""
    try:
        processor = CLIPImageProcessor.from_pretrained(model_dir)
        return processor(images=[Image.open(f).convert("RGB") for f in files], return_tensors="pt")["pixel_values"]
    except TypeError:
        pass
    with open(os.path.join(model_dir, "preprocessor_config.json")) as fh:
        cfg = json.load(fh)
    size, crop = cfg["size"]["shortest_edge"], cfg["crop_size"]["height"]
    mean, std = np.array(cfg["image_mean"]), np.array(cfg["image_std"])
    out = []
    for f in files:
        image = Image.open(f).convert("RGB")
        scale = size / min(image.size)
        image = image.resize((round(image.width * scale), round(image.height * scale)), Image.BICUBIC)
        left, top = (image.width - crop) // 2, (image.height - crop) // 2
        image = image.crop((left, top, left + crop, top + crop))
        out.append(((np.asarray(image, dtype=np.float64) / 255 - mean) / std).transpose(2, 0, 1))
    return torch.tensor(np.stack(out), dtype=torch.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("images")
    ap.add_argument("--clip", default=os.path.join(os.path.dirname(__file__), "..", ".build", "release", "clip"))
    ap.add_argument("--n", type=int, default=16)
    args = ap.parse_args()
    files = sorted(os.path.join(args.images, f) for f in os.listdir(args.images) if f.endswith(".png"))[: args.n]
    with tempfile.TemporaryDirectory() as tmp:
        image_dir = os.path.join(tmp, "images")
        os.makedirs(image_dir)
        for f in files:
            shutil.copy(f, os.path.join(image_dir, os.path.basename(f)))
        texts = os.path.join(tmp, "texts.txt")
        with open(texts, "w") as fh:
            fh.write("\n".join(CAPTIONS) + "\n")
        subprocess.run([args.clip, "embed", "--model", args.model, "--images", image_dir, "--output", os.path.join(tmp, "img.npy")], check=True)
        subprocess.run([args.clip, "embed", "--model", args.model, "--texts", texts, "--output", os.path.join(tmp, "txt.npy")], check=True)
        ours_img = np.load(os.path.join(tmp, "img.npy")).astype(np.float32)
        ours_txt = np.load(os.path.join(tmp, "txt.npy")).astype(np.float32)

    model = CLIPModel.from_pretrained(args.model).eval()
    tokenizer = CLIPTokenizer.from_pretrained(args.model)
    with torch.no_grad():
        pixels = preprocess(args.model, files)
        ref_img = model.get_image_features(pixel_values=pixels)
        ref_img = getattr(ref_img, "pooler_output", ref_img)
        ids = tokenizer(CAPTIONS, padding="max_length", max_length=model.config.text_config.max_position_embeddings,
                        truncation=True, return_tensors="pt")
        ref_txt = model.get_text_features(input_ids=ids["input_ids"])
        ref_txt = getattr(ref_txt, "pooler_output", ref_txt)
    ref_img = torch.nn.functional.normalize(ref_img, dim=-1).numpy()
    ref_txt = torch.nn.functional.normalize(ref_txt, dim=-1).numpy()
    image_diff = float(np.abs(ours_img - ref_img).max())
    text_diff = float(np.abs(ours_txt - ref_txt).max())
    print(json.dumps({"images": len(files), "texts": len(CAPTIONS), "image_max_abs_diff": image_diff,
                      "text_max_abs_diff": text_diff}))
    ok = image_diff <= 1e-4 and text_diff <= 1e-4
    print("PASS" if ok else "FAIL", "(tolerance 1e-4)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
