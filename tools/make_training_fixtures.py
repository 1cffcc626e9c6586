"""Gradient-parity fixtures for CLIPTraining, from transformers' CLIPModel on a tiny two-tower config.

Writes Tests/CLIPTrainingTests/Fixtures/training/:
  config.json, model.safetensors   the initial weights (HF names; every parameter perturbed so that gains,
                                   biases and embeddings all carry gradients that could be wrong)
  batch.safetensors                pixel_values [N,3,32,32] and input_ids [N,12] (as F32; EOT = vocab-1)
  expected.safetensors             for loss in (clip, siglip): "{loss}.loss", "{loss}.image_embeds",
                                   "{loss}.text_embeds", "{loss}.grad.{param}" for every parameter;
                                   "adamw.loss1", "adamw.loss2", "adamw.param.{param}" after two AdamW steps

The CLIP loss is CLIPModel's own (return_loss=True). The SigLIP loss is open_clip's SigLipLoss written out:
-logsigmoid(labels * (exp(t) I Tᵀ + b)).sum() / N with labels 2·eye-1, t = log 10, b = -10.
AdamW follows open_clip's training loop: clip_grad_norm_(1.0), torch.optim.AdamW(lr 1e-3, betas (0.9, 0.98),
eps 1e-6, weight decay 0.2 on matrices only — no decay on gains, biases, token/position/class embeddings or
logit_scale), then logit_scale clamped to [0, ln 100].

Usage: python tools/make_training_fixtures.py   (transformers 5.x, torch CPU; torchvision uninstalled)
"""
import json
import math
import os

import torch
import torch.nn.functional as F
from safetensors.torch import save_file
import reference_env  # noqa: F401,E402  (a broken torchvision from PyPI must not reach transformers)
from transformers import CLIPConfig, CLIPModel

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "CLIPTrainingTests", "Fixtures", "training")
VOCAB, CONTEXT, N = 300, 12, 4


def tiny_config():
    text = dict(vocab_size=VOCAB, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                max_position_embeddings=CONTEXT, hidden_act="quick_gelu", eos_token_id=VOCAB - 1,
                bos_token_id=VOCAB - 2, pad_token_id=0)
    vision = dict(image_size=32, patch_size=8, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                  num_attention_heads=4, hidden_act="quick_gelu")
    return CLIPConfig(text_config=text, vision_config=vision, projection_dim=16)


def batch():
    g = torch.Generator().manual_seed(1)
    pixels = torch.randn(N, 3, 32, 32, generator=g)
    ids = torch.zeros(N, CONTEXT, dtype=torch.long)
    for i, eot in enumerate([5, 11, 3, 8]):
        ids[i, 0] = VOCAB - 2
        ids[i, 1:eot] = torch.randint(1, VOCAB - 2, (eot - 1,), generator=g)
        ids[i, eot] = VOCAB - 1
    return pixels, ids


def decays(name, p):
    return p.ndim >= 2 and "token_embedding" not in name and "position_embedding" not in name


def embeds(model, pixels, ids):
    out = model(input_ids=ids, pixel_values=pixels, return_loss=True)
    return out, out.image_embeds, out.text_embeds


def siglip_loss(image, text, scale, bias):
    logits = scale.exp() * image @ text.T + bias
    labels = 2 * torch.eye(len(image)) - 1
    return -F.logsigmoid(labels * logits).sum() / len(image)


def main():
    torch.manual_seed(0)
    model = CLIPModel(tiny_config()).float()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name == "logit_scale":
                continue
            p.add_(0.05 * torch.randn_like(p))
    params = {n: p for n, p in model.named_parameters()}
    os.makedirs(OUT, exist_ok=True)
    model.config.save_pretrained(OUT)
    save_file({n: p.detach().clone().contiguous() for n, p in params.items()}, os.path.join(OUT, "model.safetensors"))
    pixels, ids = batch()
    save_file({"pixel_values": pixels, "input_ids": ids.float()}, os.path.join(OUT, "batch.safetensors"))
    expected = {}

    model.zero_grad()
    out, image, text = embeds(model, pixels, ids)
    out.loss.backward()
    expected["clip.loss"] = out.loss.detach().reshape(1)
    expected["clip.image_embeds"], expected["clip.text_embeds"] = image.detach(), text.detach()
    for n, p in params.items():
        expected[f"clip.grad.{n}"] = p.grad.detach().clone()

    model.zero_grad()
    scale = torch.nn.Parameter(torch.tensor(math.log(10.0)))
    bias = torch.nn.Parameter(torch.tensor(-10.0))
    _, image, text = embeds(model, pixels, ids)
    loss = siglip_loss(image, text, scale, bias)
    loss.backward()
    expected["siglip.loss"] = loss.detach().reshape(1)
    for n, p in params.items():
        if n != "logit_scale":
            expected[f"siglip.grad.{n}"] = p.grad.detach().clone()
    expected["siglip.grad.logit_scale"] = scale.grad.detach().reshape(())
    expected["siglip.grad.logit_bias"] = bias.grad.detach().reshape(())

    decay = [p for n, p in params.items() if decays(n, p)]
    rest = [p for n, p in params.items() if not decays(n, p)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.2}, {"params": rest, "weight_decay": 0.0}],
                            lr=1e-3, betas=(0.9, 0.98), eps=1e-6)
    for step in (1, 2):
        opt.zero_grad()
        out, _, _ = embeds(model, pixels, ids)
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0, math.log(100))
        expected[f"adamw.loss{step}"] = out.loss.detach().reshape(1)
    for n, p in params.items():
        expected[f"adamw.param.{n}"] = p.detach().clone()
    save_file({k: v.contiguous().float() for k, v in expected.items()}, os.path.join(OUT, "expected.safetensors"))
    print("clip loss", expected["clip.loss"].item(), "siglip loss", expected["siglip.loss"].item(),
          "params", sum(p.numel() for p in params.values()))


if __name__ == "__main__":
    main()
