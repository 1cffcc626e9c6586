"""Reference image embeddings through the whole input pipeline: each image fixture preprocessed as
open_clip does it with Pillow (see make_image_fixtures.py), then embedded by transformers' CLIPModel from
the tiny checkpoint Tests/CLIPTestSupport/Fixtures/engine/hf_quickgelu_p32 (image size 96).

Usage: python tools/make_pipeline_fixture.py Tests/CLIPTestSupport/Fixtures
"""
import json
import os
import sys

import numpy as np
import torch
from PIL import Image, ImageOps

import reference_env  # noqa: F401
from make_image_fixtures import normalized, reference_crop
from transformers import CLIPModel

import pillow_heif

pillow_heif.register_heif_opener()


def main(root):
    model = CLIPModel.from_pretrained(os.path.join(root, "engine", "hf_quickgelu_p32")).eval()
    size = model.config.vision_config.image_size
    cases = json.load(open(os.path.join(root, "images", "cases.json")))["cases"]
    names, tensors = [], []
    for c in cases:
        # gray16.png: PIL clips 16-bit gray to white; SwiftCLIP deliberately keeps the high byte (README).
        if c["squash"] or c["file"] in names or c["file"] == "gray16.png":
            continue
        img = Image.open(os.path.join(root, "images", c["file"]))
        img.load()
        img = ImageOps.exif_transpose(img)
        names.append(c["file"])
        tensors.append(normalized(reference_crop(img, size)))
    with torch.no_grad():
        emb = model.get_image_features(pixel_values=torch.from_numpy(np.stack(tensors))).pooler_output
    emb = emb / emb.norm(dim=-1, keepdim=True)
    np.save(os.path.join(root, "images", "pipeline_embeddings.npy"), emb.numpy().astype(np.float32))
    json.dump(names, open(os.path.join(root, "images", "pipeline_files.json"), "w"), indent=1)
    print(len(names), "images")


if __name__ == "__main__":
    main(sys.argv[1])
