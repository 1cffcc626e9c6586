"""Peer throughput on this machine beside `clip bench`, in one run.

PyTorch (transformers CLIPModel, fp32), ONNX Runtime fp32 (the same model exported to ONNX) and ONNX Runtime
int8 (`quantize_dynamic`: QInt8 weights, u8 dynamic activations, per-channel on and off, the faster of the
two reported), ViT-B/32 with random weights, model forward only, the same batch sizes and token counts as
`clip bench`. Then it runs `clip bench --json` and prints every engine's numbers side by side with ratios.

Usage: python tools/bench_peers.py [--threads 2] [--seconds 4] [--clip .build/release/clip] [--no-pytorch]
"""
import argparse
import json
import os
import subprocess
import tempfile
import time

import numpy as np
import torch

import reference_env  # noqa: F401
from transformers import CLIPConfig, CLIPModel


def ort_options(threads):
    """ONNX Runtime as every peer benchmark here runs it: `threads` intra-op threads, one inter-op, all
    graph optimisations."""
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return opts


def clip_bench(clip, threads, seconds, *options):
    """`clip bench --json` with `options` (e.g. `--shape`, `--towers`, `--precision`) on `threads` threads:
    its report (cpu, build, kernels, and `results` of kind, batch, tokens, precision, per_second)."""
    env = dict(os.environ, CLIP_NUM_THREADS=str(threads))
    out = subprocess.run([clip, "bench", "--json", "--seconds", str(seconds), "--threads", str(threads), *options],
                         capture_output=True, text=True, check=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def measure(fn, batch, seconds):
    fn()
    runs, start = 0, time.perf_counter()
    while True:
        fn()
        runs += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds and runs >= 2:
            return batch * runs / elapsed


class ImageTower(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, pixel_values):
        return self.m.get_image_features(pixel_values=pixel_values).pooler_output


class TextTower(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids):
        return self.m.get_text_features(input_ids=input_ids).pooler_output


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--seconds", type=float, default=4)
    ap.add_argument("--clip", default=".build/release/clip", help="the clip binary to run `bench --json` with")
    ap.add_argument("--no-pytorch", action="store_true", help="skip the PyTorch rows")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = CLIPModel(CLIPConfig()).eval()  # defaults = ViT-B/32
    image, text = ImageTower(model).eval(), TextTower(model).eval()
    prompt = np.array([[49406, 320, 1125, 539, 320, 1929, 49407]], dtype=np.int64)  # "a photo of a dog"
    long = np.array([[49406] + list(range(301, 376)) + [49407]], dtype=np.int64)
    cases = [("image", 1, None), ("image", 32, None), ("text", 32, 77), ("text", 64, prompt.shape[1])]

    def inputs(kind, batch, tokens):
        if kind == "image":
            return torch.randn(batch, 3, 224, 224)
        return torch.from_numpy(np.repeat(long if tokens == 77 else prompt, batch, axis=0))

    print(f"peers: ViT-B/32 random weights, threads {args.threads}, torch {torch.__version__}", flush=True)
    table = {}  # (engine, kind, batch, tokens) -> per second
    if not args.no_pytorch:
        with torch.inference_mode():
            for kind, batch, tokens in cases:
                x = inputs(kind, batch, tokens)
                tower = image if kind == "image" else text
                table[("pytorch fp32", kind, batch, tokens)] = rate = measure(lambda: tower(x), batch, args.seconds)
                print(f"  pytorch fp32      {kind:5s} batch {batch:3d} tokens {tokens or '-':>3}  {rate:8.1f}/s", flush=True)

    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic
    opts = ort_options(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        graphs = {}
        for kind, tower, example, name in [("image", image, torch.randn(1, 3, 224, 224), "pixel_values"),
                                            ("text", text, torch.from_numpy(prompt), "input_ids")]:
            path = os.path.join(tmp, f"{kind}.onnx")
            torch.onnx.export(tower, (example,), path, input_names=[name], output_names=["embeds"],
                              dynamic_axes={name: {0: "batch"} if kind == "image" else {0: "batch", 1: "tokens"}},
                              opset_version=17, dynamo=False)
            variants = {"fp32": path}
            for per_channel in (True, False):
                qpath = os.path.join(tmp, f"{kind}.int8.{'pc' if per_channel else 'pt'}.onnx")
                quantize_dynamic(path, qpath, weight_type=QuantType.QInt8, per_channel=per_channel)
                variants[f"int8 per-channel {'on' if per_channel else 'off'}"] = qpath
            graphs[kind] = (variants, name)
        print(f"  (onnxruntime {ort.__version__})", flush=True)
        for kind, batch, tokens in cases:
            variants, name = graphs[kind]
            x = inputs(kind, batch, tokens).numpy()
            int8_best = 0
            for label, path in variants.items():
                session = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
                rate = measure(lambda: session.run(None, {name: x}), batch, args.seconds)
                print(f"  onnxruntime {label:24s} {kind:5s} batch {batch:3d} tokens {tokens or '-':>3}  {rate:8.1f}/s", flush=True)
                if label == "fp32":
                    table[("onnxruntime fp32", kind, batch, tokens)] = rate
                else:
                    int8_best = max(int8_best, rate)
            table[("onnxruntime int8", kind, batch, tokens)] = int8_best

    if os.path.exists(args.clip):
        report = clip_bench(args.clip, args.threads, args.seconds)
        print(f"swiftclip: {report['cpu']} ({report['cpu_features']}); {report['build']}; kernels: {report['kernels']}")
        for r in report["results"]:
            table[(f"swiftclip {r['precision']}", r["kind"], r["batch"], r.get("tokens"))] = r["per_second"]
    else:
        print(f"({args.clip} not found: build with scripts/build.sh to print SwiftCLIP beside the peers)")

    engines = sorted({e for e, *_ in table}, key=lambda e: (not e.startswith("swiftclip"), e))
    print("\nper second, same run:" + "".join(f"{e:>18s}" for e in engines))
    for kind, batch, tokens in cases:
        row = [table.get((e, kind, batch, tokens)) for e in engines]
        print(f"  {kind:5s} b={batch:<3d} t={tokens or '-':<3}  " + "".join(f"{v:18.1f}" if v else f"{'-':>18s}" for v in row))
    peer = "onnxruntime int8"
    for e in engines:
        if e.startswith("swiftclip") and e != "swiftclip fp32":
            ratios = []
            for kind, batch, tokens in cases:
                a, b = table.get((e, kind, batch, tokens)), table.get((peer, kind, batch, tokens))
                if a and b:
                    ratios.append(f"{kind} b={batch}: {a / b:.2f}x")
            print(f"{e} / {peer}: " + ", ".join(ratios))


if __name__ == "__main__":
    main()
