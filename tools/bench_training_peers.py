"""PyTorch training throughput on the same config and random data as `clip bench train`: transformers'
CLIPModel, forward + InfoNCE loss (return_loss=True) + backward + AdamW, fp32 on the CPU.

Usage: python tools/bench_training_peers.py [--config configs/synthetic-small.json] [--batch-size 64]
       [--steps 20] [--threads 2] [--text-tokens 16]
Captions are 16 tokens (SOT, 14 words, EOT) padded to the context, as in `clip bench train`, which computes the
text tower only up to the batch's last EOT; --text-tokens 16 gives PyTorch the same shortcut.
"""
import argparse
import json
import time

import torch
import reference_env  # noqa: F401,E402  (a broken torchvision from PyPI must not reach transformers)
from transformers import CLIPConfig, CLIPModel


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default="configs/synthetic-small.json")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--text-tokens", type=int, default=0,
                    help="feed only the first N token columns (16 = up to EOT, what SwiftCLIP computes); 0: the full context")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    with open(args.config) as fh:
        config = CLIPConfig(**{k: v for k, v in json.load(fh).items() if k != "architectures"})
    model = CLIPModel(config).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.98), eps=1e-6, weight_decay=0.2)
    n, s, context = args.batch_size, config.vision_config.image_size, config.text_config.max_position_embeddings
    g = torch.Generator().manual_seed(1)
    pixels = torch.rand(n, 3, s, s, generator=g) * 4 - 2
    ids = torch.zeros(n, context, dtype=torch.long)
    ids[:, 0] = 49406
    ids[:, 1:15] = torch.randint(1000, 40000, (n, 14), generator=g)
    ids[:, 15] = 49407
    if args.text_tokens:
        ids = ids[:, : args.text_tokens]

    def step():
        opt.zero_grad(set_to_none=True)
        loss = model(input_ids=ids, pixel_values=pixels, return_loss=True).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    for _ in range(3):
        step()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    seconds = time.perf_counter() - start
    params = sum(p.numel() for p in model.parameters()) / 1e6
    print(f"PyTorch {torch.__version__} training  {args.config}  batch {n}  {params:.2f}M params  {args.threads} threads  "
          f"text tokens {ids.shape[1]}: "
          f"{n * args.steps / seconds:.1f} pairs/s ({1000 * seconds / args.steps:.1f} ms/step)")


if __name__ == "__main__":
    main()
