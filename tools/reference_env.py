"""Imports for the fixture scripts: transformers' CLIPModel and open_clip, without torchvision.

open_clip and timm import torchvision names at import time (transforms, datasets, FrozenBatchNorm2d). The PyPI
torchvision wheel does not match the CPU torch wheel here ("operator torchvision::nms does not exist"),
and none of those names is used by the model code we compare against, so a stub stands in for them.
Pinned versions: see tools/requirements.txt.
"""
import importlib.machinery
import sys
import types


def _torchvision_imports():
    """Whether the installed torchvision (if any) imports; a broken one is forgotten, so it can be stubbed."""
    try:
        import torchvision  # noqa: F401
        return True
    except Exception:
        for name in list(sys.modules):
            if name.startswith("torchvision"):
                del sys.modules[name]
        return False


# transformers probes for torchvision by its package metadata, so an installed but broken wheel (timm and
# open_clip pull one in from PyPI) would be imported by CLIPModel's image processors: tell it there is none.
if not _torchvision_imports():
    import transformers.utils as _utils
    import transformers.utils.import_utils as _import_utils
    _utils.is_torchvision_available = _import_utils.is_torchvision_available = lambda: False

# transformers probes for torchvision when first imported: import it before the stub exists.
import transformers  # noqa: E402,F401
from transformers import CLIPConfig, CLIPModel  # noqa: E402,F401


def _install_torchvision_stub():
    if _torchvision_imports():
        return

    class _Placeholder:
        def __init__(self, *args, **kwargs):
            raise RuntimeError("torchvision stub: transforms are not available in fixture scripts")

    class InterpolationMode:
        NEAREST = "nearest"
        BILINEAR = "bilinear"
        BICUBIC = "bicubic"
        BOX = "box"
        HAMMING = "hamming"
        LANCZOS = "lanczos"

    class _StubModule(types.ModuleType):
        """Any torchvision module (timm imports datasets, transforms, ops…): every name is a placeholder
        class that fails only when used."""
        def __getattr__(self, name):
            if name.startswith("__"):
                raise AttributeError(name)
            if name == "InterpolationMode":
                return InterpolationMode
            placeholder = type(name, (_Placeholder,), {})
            setattr(self, name, placeholder)
            return placeholder

    class _StubFinder:
        def find_spec(self, fullname, path=None, target=None):
            if fullname != "torchvision" and not fullname.startswith("torchvision."):
                return None
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

        def create_module(self, spec):
            module = _StubModule(spec.name)
            module.__path__ = []
            return module

        def exec_module(self, module):
            parent, _, child = module.__name__.rpartition(".")
            if parent and parent in sys.modules:
                setattr(sys.modules[parent], child, module)

    sys.meta_path.insert(0, _StubFinder())


_install_torchvision_stub()

import open_clip  # noqa: E402,F401
