"""Builds the start-up benchmark for `clip search`: a folder of N image files and a library for it that looks
exactly as if a given model (e.g. a random-weight ViT-B/32 folder) had indexed it, without spending hours
embedding with that model on a 2-core machine.

It indexes the folder with a small model (so the database holds real stat data and fingerprints), then
rewrites the library's model identity and dimension and fills vectors.f32 with random unit vectors of that
dimension. `clip search` then does what it does on a real library: stats every file, finds nothing to index,
loads only the text tower, embeds the query, maps the vectors and searches.

Usage: python tools/make_startup_library.py --clip .build/release/clip --small-model MODEL_DIR \
           --model MODEL_DIR --gallery DIR --library DIR [--n 10000]
"""
import argparse
import os
import shutil
import sqlite3
import subprocess

import numpy as np


def identity(model_dir):
    # As `clip` names a model (Sources/clip/ModelOptions.swift): the weights file, symlinks resolved, and its size.
    for name in ("model.safetensors", "open_clip_model.safetensors"):
        path = os.path.join(model_dir, name)
        if os.path.exists(path):
            real = os.path.realpath(path)
            return f"{real} ({os.path.getsize(real)} bytes)"
    raise SystemExit(f"{model_dir}: no model.safetensors")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clip", required=True)
    ap.add_argument("--small-model", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--dim", type=int, default=512)
    ap.add_argument("--gallery", required=True)
    ap.add_argument("--library", required=True)
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--image", default="Tests/CLIPTestSupport/Fixtures/tasks/circles/00.png")
    args = ap.parse_args()
    for i in range(args.n):
        folder = os.path.join(args.gallery, "%03d" % (i // 100))
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, "IMG_%05d.png" % i)
        if not os.path.exists(path):
            shutil.copyfile(args.image, path)
    subprocess.run([args.clip, "index", "--model", args.small_model, "--library", args.library, args.gallery], check=True)
    db = sqlite3.connect(os.path.join(args.library, "library.sqlite"))
    count = int(db.execute("SELECT value FROM meta WHERE key = 'vectors'").fetchone()[0])
    db.execute("UPDATE meta SET value = ? WHERE key = 'model'", (identity(args.model),))
    db.execute("UPDATE meta SET value = ? WHERE key = 'dimension'", (str(args.dim),))
    db.commit()
    vectors = np.random.default_rng(0).normal(size=(count, args.dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors.tofile(os.path.join(args.library, "vectors.f32"))
    print(f"{args.n} files, {count} vectors of dimension {args.dim}, model {identity(args.model)}")


if __name__ == "__main__":
    main()
