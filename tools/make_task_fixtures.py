"""Writes small generated image sets for the task tests (zero-shot, probe, eval, rank):
two clearly different families, `circles` (warm discs on light backgrounds) and `stripes` (cool bars on dark
backgrounds), 12 PNGs each with random sizes and positions, plus a captions.tsv for retrieval.

Usage: python tools/make_task_fixtures.py Tests/CLIPTestSupport/Fixtures/tasks
"""
import os
import sys

import numpy as np
from PIL import Image, ImageDraw


def main(out):
    rng = np.random.default_rng(7)
    captions = []
    for family in ("circles", "stripes"):
        os.makedirs(os.path.join(out, family), exist_ok=True)
        for i in range(12):
            w, h = int(rng.integers(40, 64)), int(rng.integers(40, 64))
            if family == "circles":
                img = Image.new("RGB", (w, h), tuple(int(v) for v in rng.integers(200, 256, 3)))
                d = ImageDraw.Draw(img)
                for _ in range(int(rng.integers(1, 4))):
                    r = int(rng.integers(6, 16))
                    x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
                    d.ellipse([x - r, y - r, x + r, y + r], fill=(int(rng.integers(200, 256)), int(rng.integers(0, 80)), int(rng.integers(0, 60))))
            else:
                img = Image.new("RGB", (w, h), tuple(int(v) for v in rng.integers(0, 40, 3)))
                d = ImageDraw.Draw(img)
                step = int(rng.integers(6, 12))
                for x in range(int(rng.integers(0, step)), w, step):
                    d.rectangle([x, 0, x + step // 2, h], fill=(int(rng.integers(0, 60)), int(rng.integers(80, 200)), int(rng.integers(200, 256))))
            noise = rng.normal(0, 6, (h, w, 3))
            arr = np.clip(np.asarray(img, dtype=np.float32) + noise, 0, 255).astype(np.uint8)
            name = "%s/%02d.png" % (family, i)
            Image.fromarray(arr).save(os.path.join(out, name), optimize=True)
            captions.append("%s\t%s" % (name, "red discs on a light background" if family == "circles" else "blue stripes on a dark background"))
    with open(os.path.join(out, "captions.tsv"), "w") as f:
        f.write("\n".join(captions) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
