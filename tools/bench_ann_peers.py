"""faiss-cpu IndexFlatIP and hnswlib (M=16, efConstruction=200) on the data of tools/make_ann_data.py, measured
as `clip bench ann` measures SwiftCLIP: build time, recall@10, queries/s answering one query at a time on one
thread.

Usage: python tools/bench_ann_peers.py DATA_DIR [--ef 16,32,64,128,256]
"""
import argparse
import os
import time

import numpy as np


def recall(found, truth):
    return np.mean([len(set(f[:10]) & set(t)) / 10 for f, t in zip(found, truth)])


def per_query(search, queries, minimum=2.0):
    found, n, start = [None] * len(queries), 0, time.perf_counter()
    while True:
        for i, q in enumerate(queries):
            found[i] = search(q)
        n += len(queries)
        elapsed = time.perf_counter() - start
        if elapsed >= minimum:
            return found, n / elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--ef", default="16,32,64,128,256")
    ap.add_argument("--hnsw-file", help="save the hnswlib index here, or load it if it exists (skips the build)")
    args = ap.parse_args()
    base = np.load(os.path.join(args.data, "base.npy"))
    queries = np.load(os.path.join(args.data, "queries.npy"))
    truth = np.load(os.path.join(args.data, "truth.npy"))
    print(f"data: {base.shape[0]} x {base.shape[1]}, {len(queries)} queries")

    import faiss
    faiss.omp_set_num_threads(1)
    start = time.perf_counter()
    flat = faiss.IndexFlatIP(base.shape[1])
    flat.add(base)
    build = time.perf_counter() - start
    found, qps = per_query(lambda q: flat.search(q[None, :], 10)[1][0], queries)
    print(f"faiss {faiss.__version__} IndexFlatIP   build {build:7.2f} s   recall@10 {recall(found, truth):.4f}   {qps:8.1f} queries/s (1 thread)")

    import hnswlib
    if args.hnsw_file and os.path.exists(args.hnsw_file):
        index = hnswlib.Index(space="ip", dim=base.shape[1])
        index.load_index(args.hnsw_file, max_elements=base.shape[0])
        print(f"hnswlib index loaded from {args.hnsw_file}")
    else:
        for threads in (1, 2):
            index = hnswlib.Index(space="ip", dim=base.shape[1])
            index.init_index(max_elements=base.shape[0], M=16, ef_construction=200, random_seed=100)
            index.set_num_threads(threads)
            start = time.perf_counter()
            index.add_items(base, np.arange(base.shape[0]))
            print(f"hnswlib HNSW M=16 efC=200 build {time.perf_counter() - start:7.2f} s ({threads} thread{'s' if threads > 1 else ''})")
        if args.hnsw_file:
            index.save_index(args.hnsw_file)
    index.set_num_threads(1)
    for ef in [int(e) for e in args.ef.split(",")]:
        index.set_ef(max(ef, 10))
        found, qps = per_query(lambda q: index.knn_query(q[None, :], k=10)[0][0], queries)
        print(f"hnswlib ef {ef:4d}   recall@10 {recall(found, truth):.4f}   {qps:8.1f} queries/s (1 thread)")


if __name__ == "__main__":
    main()
