"""Writes the ModifiedResNet parity fixtures: tiny open_clip ResNet CLIP models (`open_clip.model.CLIP`
with a list of layers, which builds `modified_resnet.ModifiedResNet`) with random weights and random
BatchNorm running statistics, in eval(); their inputs and reference embeddings.

Usage (needs tools/requirements.txt; CI does not run this):
    python tools/make_resnet_fixtures.py Tests/CLIPTestSupport/Fixtures/engine

Cases:
- openclip_rn_tiny: layers [1, 2, 1, 1], width 8, 64 px (a 2×2 final grid), GELU text tower; an
  open_clip hub folder (open_clip_config.json + open_clip_model.safetensors).
- openai_rn_bare: layers [2, 1, 2, 1], width 8, 96 px (3×3 grid), 4 heads, QuickGELU text (as OpenAI's weights); the bare
  state dict under OpenAI's key names (model.safetensors, no config), which SwiftCLIP must size from
  the tensors' shapes as build_model_from_openai_state_dict does. Cross-checked here: the model open_clip
  builds from that state dict (openai/CLIP's ModifiedResNet code path) gives the same embeddings.
"""
import json
import os
import sys

import numpy as np
import torch

import reference_env  # noqa: F401  (torchvision stub before open_clip)
import open_clip
from open_clip.model import build_model_from_openai_state_dict
from safetensors.torch import save_file

from make_engine_fixtures import open_clip_io, randomize, save_io


def randomize_resnet(model, seed):
    """Weights as randomize() draws them, then every BatchNorm: gamma around 1, beta, running mean and a
    positive running variance away from 1, so that folding them is tested for real."""
    randomize(model, seed)
    g = torch.Generator().manual_seed(seed + 100)
    with torch.no_grad():
        for module in model.visual.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                c = module.num_features
                module.weight.copy_(1 + 0.3 * torch.randn(c, generator=g))
                module.bias.copy_(0.2 * torch.randn(c, generator=g))
                module.running_mean.copy_(0.3 * torch.randn(c, generator=g))
                module.running_var.copy_(0.5 + torch.rand(c, generator=g) * 1.5)
            elif isinstance(module, torch.nn.Conv2d):
                fan_in = module.weight[0].numel()
                module.weight.copy_(torch.randn(module.weight.shape, generator=g) * np.sqrt(2.0 / fan_in))


def case(root, name, model_cfg, seed, bare=False):
    out = os.path.join(root, name)
    os.makedirs(out, exist_ok=True)
    model = open_clip.model.CLIP(**model_cfg).eval()
    randomize_resnet(model, seed)
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    io = open_clip_io(model, model_cfg, seed)
    pixels, tokens, img, txt = io[:4]
    if bare:
        # OpenAI's checkpoints name the tensors exactly so; the shapes must carry the whole config.
        save_file(state, os.path.join(out, "model.safetensors"), metadata={"format": "pt"})
        openai = build_model_from_openai_state_dict({k: v.clone() for k, v in state.items()},
                                                    quick_gelu=model_cfg.get("quick_gelu", False), cast_dtype=None).float().eval()
        # build_model rounds the weights to fp16 on the way (convert_weights_to_fp16): load the fp32 ones back.
        openai.load_state_dict(state)
        with torch.no_grad():
            d_img = (openai.encode_image(pixels) - img).abs().max().item()
            d_txt = (openai.encode_text(torch.from_numpy(tokens).long()) - txt).abs().max().item()
        print(f"{name}: openai/CLIP code path (build_model_from_openai_state_dict) vs open_clip: image {d_img:.3g}, text {d_txt:.3g}")
        assert d_img < 1e-5 and d_txt < 1e-5
    else:
        save_file(state, os.path.join(out, "open_clip_model.safetensors"), metadata={"format": "pt"})
        with open(os.path.join(out, "open_clip_config.json"), "w") as f:
            json.dump({"model_cfg": model_cfg, "preprocess_cfg": {}}, f, indent=2)
    save_io(out, *io)
    print(name, "ok")


def main(root):
    torch.set_num_threads(1)
    case(root, "openclip_rn_tiny", dict(
        embed_dim=24,
        vision_cfg=dict(image_size=64, layers=[1, 2, 1, 1], width=8),
        text_cfg=dict(context_length=77, vocab_size=1000, width=32, heads=2, layers=1)), seed=50)
    # build_model derives heads as width // 64, so the bare state dict's widths are multiples of 64.
    case(root, "openai_rn_bare", dict(
        embed_dim=20, quick_gelu=True,
        vision_cfg=dict(image_size=96, layers=[2, 1, 2, 1], width=8),
        text_cfg=dict(context_length=77, vocab_size=600, width=64, heads=1, layers=1)), seed=60, bare=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "Tests/CLIPTestSupport/Fixtures/engine")
