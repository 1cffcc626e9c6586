"""OpenVINO as a measured peer, beside `clip bench`, in one run: ViT-B/32 (random weights, transformers'
CLIPModel), image tower at batch 1 and 32, text tower at 32 × 77 tokens and 64 × 7 tokens, model forward only.

- OpenVINO fp32: the towers converted from PyTorch (`openvino.convert_model`), compiled for the CPU with
  `INFERENCE_PRECISION_HINT=f32` (without it OpenVINO runs "fp32" models in bf16 on CPUs with AVX512-BF16 or AMX;
  that row is printed too, as "openvino default").
- OpenVINO int8: NNCF post-training quantization (`nncf.quantize`, `ModelType.TRANSFORMER`, which applies
  SmoothQuant) calibrated on real photos and prompts; the held-out quarter of both is kept for accuracy.
- SwiftCLIP: `clip bench --json` at fp32 and int8, same threads.

Speed is compared at honest accuracy: for each engine, the mean and worst cosine of int8 (and OpenVINO's
default) embeddings to the same engine's fp32 embeddings on the held-out photos and prompts. SwiftCLIP's come
from `clip embed` on the same checkpoint, saved in the Hugging Face layout.

Photos: any folder of JPEG/PNG files, e.g. `python tools/make_precision_checkpoints.py OUT --jpegs 160` (OUT/jpegs:
crops of the photographs that ship with scikit-image). Pinned: tools/requirements.txt (+ openvino, nncf).

Usage: python tools/bench_openvino.py --photos DIR [--threads 2] [--seconds 4] [--clip .build/release/clip]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_peers import ImageTower, TextTower, clip_bench, measure  # noqa: E402  (imports reference_env first)
from open_clip.tokenizer import SimpleTokenizer  # noqa: E402
from transformers import CLIPConfig, CLIPModel  # noqa: E402

MEAN = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
STD = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)
SHORT = [49406, 320, 1125, 539, 320, 1929, 49407]  # "a photo of a dog": the 7-token case of `clip bench`
TEMPLATES = ["a photo of a {}.", "a blurry photo of a {}.", "a close-up photo of the {}.", "a drawing of a {}."]


def preprocess(path):
    """CLIP's preprocessing (shortest side to 224 with Pillow's bicubic, centre crop, normalise), [3, 224, 224]."""
    image = Image.open(path).convert("RGB")
    scale = 224 / min(image.size)
    size = (max(224, round(image.width * scale)), max(224, round(image.height * scale)))
    image = image.resize(size, Image.BICUBIC)
    left, top = (image.width - 224) // 2, (image.height - 224) // 2
    pixels = np.asarray(image.crop((left, top, left + 224, top + 224)), dtype=np.float32) / 255
    return ((pixels - MEAN) / STD).transpose(2, 0, 1)


def prompts(count):
    """`count` prompts: the ImageNet class names in the CLIP paper's wording, through a few templates."""
    names = json.load(open(os.path.join(os.path.dirname(__file__), "..", "Sources", "CLIP", "Resources",
                                        "imagenet.json")))["classnames"]
    step = max(1, len(names) // count)
    return [TEMPLATES[i % len(TEMPLATES)].format(names[(i * step) % len(names)]) for i in range(count)]


def normalised(x):
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def agreement(a, b):
    """Mean and worst cosine between matching rows."""
    cos = (normalised(a) * normalised(b)).sum(axis=1)
    return float(cos.mean()), float(cos.min())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--photos", required=True, help="a folder of JPEG/PNG photos (calibration and held-out)")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--seconds", type=float, default=4)
    ap.add_argument("--clip", default=".build/release/clip")
    args = ap.parse_args()

    import nncf
    import openvino as ov

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = CLIPModel(CLIPConfig()).eval()  # the defaults are ViT-B/32's shape
    image, text = ImageTower(model).eval(), TextTower(model).eval()
    files = sorted(os.path.join(args.photos, f) for f in os.listdir(args.photos)
                   if f.lower().endswith((".jpg", ".jpeg", ".png")))
    if len(files) < 8:
        sys.exit(f"{args.photos}: {len(files)} photos; give at least 8 (calibration and held-out)")
    pixels = np.stack([preprocess(f) for f in files])
    held = np.arange(len(files)) % 4 == 3  # every fourth photo and prompt is held out
    texts = prompts(max(64, len(files)))
    tokens = SimpleTokenizer()(texts).numpy().astype(np.int64)
    held_text = np.arange(len(texts)) % 4 == 3
    short = np.array([SHORT], dtype=np.int64)
    cases = [("image", 1, None), ("image", 32, None), ("text", 32, 77), ("text", 64, 7)]

    def inputs(kind, batch, length):
        if kind == "image":
            return pixels[np.arange(batch) % len(pixels)]
        rows = tokens if length == 77 else short
        return rows[np.arange(batch) % len(rows)]

    core = ov.Core()
    print(f"OpenVINO {ov.__version__}, NNCF {nncf.__version__}, threads {args.threads}; "
          f"{len(files)} photos ({held.sum()} held out), {len(texts)} prompts ({held_text.sum()} held out); "
          f"CPU: {core.get_property('CPU', 'FULL_DEVICE_NAME')}", flush=True)
    with torch.inference_mode():
        converted = {
            "image": ov.convert_model(image, example_input=torch.from_numpy(pixels[:1]), input=[-1, 3, 224, 224]),
            "text": ov.convert_model(text, example_input=torch.from_numpy(short), input=[-1, -1]),
        }
    calibration = {
        "image": [pixels[i:i + 1] for i in np.flatnonzero(~held)],
        "text": [tokens[i:i + 1] for i in np.flatnonzero(~held_text)],
    }
    quantized = {kind: nncf.quantize(converted[kind], nncf.Dataset(calibration[kind]),
                                     model_type=nncf.ModelType.TRANSFORMER, subset_size=len(calibration[kind]))
                 for kind in converted}
    base = {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": args.threads}
    variants = {
        "openvino fp32": (converted, dict(base, INFERENCE_PRECISION_HINT="f32")),
        "openvino default": (converted, base),
        "openvino int8": (quantized, dict(base, INFERENCE_PRECISION_HINT="f32")),
    }
    table, embeddings = {}, {}
    for label, (graphs, config) in variants.items():
        compiled = {kind: core.compile_model(graphs[kind], "CPU", config) for kind in graphs}
        precision = compiled["image"].get_property("INFERENCE_PRECISION_HINT")
        for kind, batch, length in cases:
            request = compiled[kind].create_infer_request()
            x = inputs(kind, batch, length)
            table[(label, kind, batch, length)] = rate = measure(lambda: request.infer({0: x}), batch, args.seconds)
            print(f"  {label:17s} ({precision}) {kind:5s} batch {batch:3d} tokens {length or '-':>3}  {rate:8.1f}/s",
                  flush=True)
        embeddings[label] = (
            np.concatenate([compiled["image"]({0: pixels[i:i + 1]})[0] for i in np.flatnonzero(held)]),
            np.concatenate([compiled["text"]({0: tokens[i:i + 1]})[0] for i in np.flatnonzero(held_text)]))

    # SwiftCLIP's int8 against its fp32, on the same checkpoint and the same held-out inputs.
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        np.save(os.path.join(tmp, "held_pixels.npy"), pixels[held])
        with open(os.path.join(tmp, "held_texts.txt"), "w") as f:
            f.write("\n".join(t for t, h in zip(texts, held_text) if h) + "\n")
        for precision in ("fp32", "int8"):
            out = []
            for flag, name in (("--pixels", "held_pixels.npy"), ("--texts", "held_texts.txt")):
                npy = os.path.join(tmp, f"{precision}{flag}.npy")
                subprocess.run([args.clip, "embed", "--model", tmp, "--precision", precision, flag,
                                os.path.join(tmp, name), "-o", npy], check=True, capture_output=True)
                out.append(np.load(npy))
            embeddings[f"swiftclip {precision}"] = tuple(out)
    print("\nagreement with the same engine's fp32 on held-out inputs (mean / worst cosine):")
    for label, reference in (("openvino default", "openvino fp32"), ("openvino int8", "openvino fp32"),
                             ("swiftclip int8", "swiftclip fp32")):
        (mi, wi), (mt, wt) = (agreement(a, b) for a, b in zip(embeddings[label], embeddings[reference]))
        print(f"  {label:17s} images {mi:.5f} / {wi:.5f}   texts {mt:.5f} / {wt:.5f}")

    for precision in ("fp32", "int8"):
        report = clip_bench(args.clip, args.threads, args.seconds, "--precision", precision)
        for r in report["results"]:
            table[(f"swiftclip {precision}", r["kind"], r["batch"], r.get("tokens"))] = r["per_second"]
    print(f"\nswiftclip: {report['cpu']} ({report['cpu_features']}); {report['build']}; kernels: {report['kernels']}")
    engines = ["swiftclip fp32", "openvino fp32", "openvino default", "swiftclip int8", "openvino int8"]
    print("per second, same run:  " + "".join(f"{e:>18s}" for e in engines))
    for kind, batch, length in cases:
        row = [table.get((e, kind, batch, length)) for e in engines]
        print(f"  {kind:5s} b={batch:<3d} t={length or '-':<3}  " + "".join(f"{v:18.1f}" if v else f"{'-':>18s}"
                                                                         for v in row))
    for ours, peer in (("swiftclip fp32", "openvino fp32"), ("swiftclip int8", "openvino int8"),
                       ("swiftclip int8", "openvino default")):
        ratios = [f"{kind} b={batch}: {table[(ours, kind, batch, t)] / table[(peer, kind, batch, t)]:.2f}x"
                  for kind, batch, t in cases if (ours, kind, batch, t) in table and (peer, kind, batch, t) in table]
        print(f"{ours} / {peer}: " + ", ".join(ratios))


if __name__ == "__main__":
    main()
