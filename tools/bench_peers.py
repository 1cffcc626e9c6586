"""Peer throughput on this machine, for comparison with `clip bench` (run both in the same session).

PyTorch (transformers CLIPModel) and ONNX Runtime (the same model exported to ONNX), ViT-B/32 with
random weights, fp32, model forward only, the same batch sizes and token counts as `clip bench`.

Usage: python tools/bench_peers.py [--threads 2] [--seconds 4]
"""
import argparse
import os
import tempfile
import time

import numpy as np
import torch

import reference_env  # noqa: F401
from transformers import CLIPConfig, CLIPModel


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

    print(f"peers: ViT-B/32 random weights, fp32, threads {args.threads}, torch {torch.__version__}")
    with torch.inference_mode():
        for kind, batch, tokens in cases:
            x = inputs(kind, batch, tokens)
            tower = image if kind == "image" else text
            rate = measure(lambda: tower(x), batch, args.seconds)
            print(f"  pytorch      {kind:5s} batch {batch:3d} tokens {tokens or '-':>3}  {rate:8.1f}/s")

    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = args.threads
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    with tempfile.TemporaryDirectory() as tmp:
        sessions = {}
        for kind, tower, example, name in [("image", image, torch.randn(1, 3, 224, 224), "pixel_values"),
                                            ("text", text, torch.from_numpy(prompt), "input_ids")]:
            path = os.path.join(tmp, f"{kind}.onnx")
            torch.onnx.export(tower, (example,), path, input_names=[name], output_names=["embeds"],
                              dynamic_axes={name: {0: "batch"} if kind == "image" else {0: "batch", 1: "tokens"}},
                              opset_version=17, dynamo=False)
            sessions[kind] = (ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"]), name)
        print(f"  (onnxruntime {ort.__version__})")
        for kind, batch, tokens in cases:
            session, name = sessions[kind]
            x = inputs(kind, batch, tokens).numpy()
            rate = measure(lambda: session.run(None, {name: x}), batch, args.seconds)
            print(f"  onnxruntime  {kind:5s} batch {batch:3d} tokens {tokens or '-':>3}  {rate:8.1f}/s")


if __name__ == "__main__":
    main()
