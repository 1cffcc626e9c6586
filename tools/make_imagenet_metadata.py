"""Writes Sources/CLIP/Resources/imagenet.json: the 1,000 ImageNet class names and the 80 prompt templates
that the CLIP paper's zero-shot ImageNet evaluation uses, as open_clip ships them (data, MIT licence:
Sources/CLIP/Resources/open_clip-LICENSE.txt), and the WordNet id of each class in the same (class index)
order, from timm's imagenet_synsets.txt (data, Apache 2.0), so that an ImageNet validation folder laid out
by WordNet id (n01440764/ …) is named as the paper names it. Templates use `{}` where the class name goes.

Usage: python tools/make_imagenet_metadata.py Sources/CLIP/Resources/imagenet.json
"""
import importlib.util
import json
import os
import sys

import open_clip_path  # noqa: F401  (resolves the installed open_clip without importing torchvision)

spec = importlib.util.spec_from_file_location("zsm", os.path.join(open_clip_path.DIR, "zero_shot_metadata.py"))
zsm = importlib.util.module_from_spec(spec)
spec.loader.exec_module(zsm)

import importlib.resources

templates = [t("{}") for t in zsm.OPENAI_IMAGENET_TEMPLATES]
synsets = importlib.resources.files("timm.data._info").joinpath("imagenet_synsets.txt").read_text().split()
assert len(synsets) == 1000 and synsets == sorted(synsets)  # class index i is the i-th id in sorted order
names = list(zsm.IMAGENET_CLASSNAMES)
assert len(templates) == 80 and len(names) == 1000
with open(sys.argv[1], "w") as f:
    json.dump({"source": "open_clip zero_shot_metadata (OpenAI CLIP notebook); wnids: timm's imagenet_synsets.txt (class index order)",
               "templates": templates, "classnames": names, "wnids": synsets}, f, indent=0, ensure_ascii=False)
print(len(names), "classes,", len(templates), "templates")
