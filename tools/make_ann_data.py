"""The ANN benchmark data, the same for every engine: clustered unit vectors (dimension 512, 200,000 base
vectors, 1,000 queries drawn like the base) and the exact top-10 by inner product. numpy only.

Usage: python tools/make_ann_data.py OUT_DIR [--n 200000] [--queries 1000] [--dim 512]
Writes OUT_DIR/base.npy (float32), queries.npy (float32), truth.npy (int32 [queries, 10]).
"""
import argparse
import os

import numpy as np


def unit(x):
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--dim", type=int, default=512)
    ap.add_argument("--clusters", type=int, default=2000)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(args.clusters, args.dim)).astype(np.float32)

    def draw(n):
        # Cluster sizes vary (photo libraries have bursts of similar shots); spread within a cluster is wide.
        which = rng.zipf(1.3, size=n) % args.clusters
        return unit(centres[which] + rng.normal(scale=0.9, size=(n, args.dim)).astype(np.float32))

    base, queries = draw(args.n), draw(args.queries)
    truth = np.empty((args.queries, 10), dtype=np.int32)
    for start in range(0, args.queries, 100):
        scores = queries[start:start + 100] @ base.T
        top = np.argpartition(-scores, 10, axis=1)[:, :10]
        order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1)
        truth[start:start + 100] = np.take_along_axis(top, order, axis=1)
    os.makedirs(args.out, exist_ok=True)
    np.save(os.path.join(args.out, "base.npy"), base)
    np.save(os.path.join(args.out, "queries.npy"), queries)
    np.save(os.path.join(args.out, "truth.npy"), truth)
    print(base.shape, queries.shape, truth.shape)


if __name__ == "__main__":
    main()
