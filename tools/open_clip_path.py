"""The folder of the installed open_clip package, found without importing it (its __init__ imports torchvision)."""
import importlib.util
import os

DIR = os.path.dirname(importlib.util.find_spec("open_clip").origin)
