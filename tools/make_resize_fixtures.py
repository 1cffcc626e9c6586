"""Random-shape Pillow bicubic resizes (up, down and mixed on each axis, L and RGB) for the resampling
pass-order test: Pillow 13 picks horizontal-first or vertical-first per shape.

Usage: python tools/make_resize_fixtures.py Tests/CLIPTestSupport/Fixtures/images/resize_cases.json
"""
import base64
import json
import random
import sys

import numpy as np
from PIL import Image


def main(path):
    rng = np.random.default_rng(7)
    random.seed(7)
    cases = []
    while len(cases) < 60:
        w, h = random.randint(2, 48), random.randint(2, 48)
        W, H = random.randint(1, 48), random.randint(1, 48)
        mode = random.choice(["L", "RGB"])
        shape = (h, w) if mode == "L" else (h, w, 3)
        pixels = rng.integers(0, 256, shape, dtype=np.uint8)
        out = np.asarray(Image.fromarray(pixels, mode).resize((W, H), Image.BICUBIC))
        cases.append({"mode": mode, "w": w, "h": h, "W": W, "H": H,
                      "input": base64.b64encode(pixels.tobytes()).decode(),
                      "output": base64.b64encode(out.tobytes()).decode()})
    json.dump(cases, open(path, "w"))


if __name__ == "__main__":
    main(sys.argv[1])
