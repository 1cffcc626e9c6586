"""SigLIP ViT-B/16 (224 px, 64-token texts) beside ONNX Runtime in one run.

transformers' SiglipModel with random weights at `ViT-B-16-SigLIP`'s shape, its image and text towers
exported to ONNX (fp32, opset 17), run by onnxruntime on `--threads` threads: images at batch 1 and 32,
texts at batch 32 × 64 tokens; then `clip bench --shape ViT-B-16-SigLIP --precision fp32 --json`, side by side.

Usage: python tools/bench_siglip_peers.py [--threads 2] [--seconds 4] [--clip .build/release/clip]
"""
import argparse
import os
import tempfile

import numpy as np
import torch

import reference_env  # noqa: F401
from transformers import SiglipConfig, SiglipModel

from bench_peers import clip_bench, measure, ort_options


class Tower(torch.nn.Module):
    def __init__(self, model, kind):
        super().__init__()
        self.m, self.kind = model, kind

    def forward(self, x):
        out = self.m.get_image_features(pixel_values=x) if self.kind == "image" else self.m.get_text_features(input_ids=x)
        return out.pooler_output


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=4)
    ap.add_argument("--clip", default=".build/release/clip")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = SiglipModel(SiglipConfig(text_config=dict(vocab_size=32000, max_position_embeddings=64),
                                     vision_config=dict(image_size=224, patch_size=16))).eval()
    model.requires_grad_(False)
    image, text = Tower(model, "image"), Tower(model, "text")

    import onnxruntime as ort
    opts = ort_options(args.threads)
    rates = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kind, tower, example in [("image", image, torch.randn(1, 3, 224, 224)),
                                     ("text", text, torch.randint(0, 32000, (1, 64)))]:
            path = os.path.join(tmp, f"{kind}.onnx")
            torch.onnx.export(tower, (example,), path, input_names=["x"], output_names=["embeds"],
                              dynamic_axes={"x": {0: "batch"}}, opset_version=17, dynamo=False)
            session = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
            for batch in ([1, 32] if kind == "image" else [32]):
                x = np.random.randn(batch, 3, 224, 224).astype(np.float32) if kind == "image" else np.random.randint(0, 32000, (batch, 64)).astype(np.int64)
                rates[(kind, batch)] = measure(lambda: session.run(None, {"x": x}), batch, args.seconds)
                print(f"  onnxruntime {ort.__version__} fp32 SigLIP B/16 {kind} batch {batch:2d}  {rates[(kind, batch)]:7.1f}/s", flush=True)
    report = clip_bench(args.clip, args.threads, args.seconds, "--shape", "ViT-B-16-SigLIP", "--precision", "fp32")
    ours = {(r["kind"], r["batch"]): r["per_second"] for r in report["results"]}
    print(f"\nSigLIP ViT-B/16, fp32, {args.threads} threads, random weights (embeddings/s):")
    for key in [("image", 1), ("image", 32), ("text", 32)]:
        print(f"  {key[0]:5s} batch {key[1]:2d}  SwiftCLIP {ours[key]:7.1f}  ONNX Runtime {rates[key]:7.1f}  {ours[key] / rates[key]:5.2f}×")


if __name__ == "__main__":
    main()
