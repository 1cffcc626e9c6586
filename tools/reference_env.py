"""Imports for the fixture scripts: transformers' CLIPModel and open_clip, without torchvision.

open_clip imports a few torchvision names at import time (transforms, FrozenBatchNorm2d). The PyPI
torchvision wheel does not match the CPU torch wheel here ("operator torchvision::nms does not exist"),
and none of those names is used by the model code we compare against, so a stub stands in for them.
Pinned versions: see tools/requirements.txt.
"""
import importlib.machinery
import sys
import types

# transformers probes for torchvision when first imported: import it before the stub exists.
import transformers  # noqa: E402,F401
from transformers import CLIPConfig, CLIPModel  # noqa: E402,F401


def _install_torchvision_stub():
    try:
        import torchvision  # noqa: F401
        return
    except Exception:
        for name in list(sys.modules):
            if name.startswith("torchvision"):
                del sys.modules[name]

    class _Placeholder:
        def __init__(self, *args, **kwargs):
            raise RuntimeError("torchvision stub: transforms are not available in fixture scripts")

    class InterpolationMode:
        NEAREST = "nearest"
        BILINEAR = "bilinear"
        BICUBIC = "bicubic"

    tv = types.ModuleType("torchvision")
    transforms = types.ModuleType("torchvision.transforms")
    functional = types.ModuleType("torchvision.transforms.functional")
    ops = types.ModuleType("torchvision.ops")
    misc = types.ModuleType("torchvision.ops.misc")
    for name in ["Normalize", "Compose", "RandomResizedCrop", "ToTensor", "Resize", "CenterCrop",
                 "ColorJitter", "Grayscale"]:
        setattr(transforms, name, type(name, (_Placeholder,), {}))
    transforms.InterpolationMode = InterpolationMode
    transforms.functional = functional
    misc.FrozenBatchNorm2d = type("FrozenBatchNorm2d", (_Placeholder,), {})
    ops.misc = misc
    tv.transforms = transforms
    tv.ops = ops
    for module in (tv, transforms, functional, ops, misc):
        module.__spec__ = importlib.machinery.ModuleSpec(module.__name__, None)
    sys.modules.update({
        "torchvision": tv, "torchvision.transforms": transforms,
        "torchvision.transforms.functional": functional, "torchvision.ops": ops, "torchvision.ops.misc": misc,
    })


_install_torchvision_stub()

import open_clip  # noqa: E402,F401
