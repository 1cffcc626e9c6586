"""RN50's image tower beside ONNX Runtime and OpenVINO, and beside ViT-B/32, in one run.

open_clip's RN50 (ModifiedResNet) with random weights and random BatchNorm statistics, exported to ONNX
(fp32, opset 17; ONNX Runtime fuses the BatchNorms into the convolutions itself), run by onnxruntime on
`--threads` threads at batch 1 and 32 on 224 px inputs; then `clip bench --shape RN50 --towers image
--precision fp32` and the same for ViT-B-32 (Immich reports RN50 and ViT-B/32 at the same latency).
OpenVINO (when installed) runs the same ONNX graph compiled for the CPU with `INFERENCE_PRECISION_HINT=f32`
(without it OpenVINO runs in bf16 where the CPU has AVX512-BF16 or AMX), PERFORMANCE_HINT=LATENCY, `--threads`.
Model forward only; the same batch sizes, the same measuring loop (`--seconds` each, after a warm-up).

Usage: python tools/bench_resnet_peers.py [--threads 2] [--seconds 4] [--clip .build/release/clip]
"""
import argparse
import json
import os
import tempfile

import torch

import reference_env  # noqa: F401  (torchvision stub before open_clip)
import open_clip

from bench_peers import clip_bench, measure, ort_options
from make_resnet_fixtures import randomize_resnet


def image_rates(clip, shape, threads, seconds):
    report = clip_bench(clip, threads, seconds, "--shape", shape, "--towers", "image", "--precision", "fp32")
    return {r["batch"]: r["per_second"] for r in report["results"] if r["kind"] == "image"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=4)
    ap.add_argument("--clip", default=".build/release/clip")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cfg = json.load(open(os.path.join(os.path.dirname(open_clip.__file__), "model_configs", "RN50.json")))
    model = open_clip.model.CLIP(**cfg).eval()
    randomize_resnet(model, seed=5)

    import onnxruntime as ort
    opts = ort_options(args.threads)
    rates = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "rn50_image.onnx")
        torch.onnx.export(model.visual, (torch.randn(1, 3, 224, 224),), path, input_names=["pixels"], output_names=["embeds"],
                          dynamic_axes={"pixels": {0: "batch"}}, opset_version=17, dynamo=False)
        session = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
        for batch in (1, 32):
            pixels = torch.randn(batch, 3, 224, 224).numpy()
            rates[batch] = measure(lambda: session.run(None, {"pixels": pixels}), batch, args.seconds)
            print(f"  onnxruntime {ort.__version__} fp32 RN50 image batch {batch:2d}  {rates[batch]:7.1f}/s", flush=True)
        openvino = openvino_rates(path, args.threads, args.seconds)
    ours = image_rates(args.clip, "RN50", args.threads, args.seconds)
    vit = image_rates(args.clip, "ViT-B-32-quickgelu", args.threads, args.seconds)
    print(f"\nimage embeddings/s, fp32, {args.threads} threads, random weights:")
    print(f"  {'batch':>5}  {'SwiftCLIP RN50':>14}  {'ORT RN50':>9}  {'OpenVINO RN50':>13}  {'ratio to the better':>19}"
          f"  {'SwiftCLIP ViT-B/32':>18}")
    for batch in (1, 32):
        peer = max(rates[batch], openvino.get(batch, 0))
        ov = f"{openvino[batch]:13.1f}" if batch in openvino else f"{'-':>13}"
        print(f"  {batch:>5}  {ours[batch]:14.1f}  {rates[batch]:9.1f}  {ov}  {ours[batch] / peer:18.2f}×"
              f"  {vit[batch]:18.1f}")


def openvino_rates(onnx_path, threads, seconds):
    """OpenVINO fp32 on the ONNX graph, images/s per batch; empty when openvino is not installed."""
    try:
        import openvino
    except ImportError:
        print("  openvino: not installed (pip install openvino, pinned in tools/requirements.txt)")
        return {}
    core = openvino.Core()
    config = {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": threads, "INFERENCE_PRECISION_HINT": "f32"}
    compiled = core.compile_model(core.read_model(onnx_path), "CPU", config)
    rates = {}
    for batch in (1, 32):
        pixels = torch.randn(batch, 3, 224, 224).numpy()
        request = compiled.create_infer_request()
        rates[batch] = measure(lambda: request.infer({0: pixels}), batch, seconds)
        print(f"  openvino {openvino.__version__} fp32 RN50 image batch {batch:2d}  {rates[batch]:7.1f}/s", flush=True)
    return rates


if __name__ == "__main__":
    main()
