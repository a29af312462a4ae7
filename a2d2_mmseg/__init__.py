"""a2d2_mmseg: the Audi A2D2 dataset for MMSegmentation 1.x.

Importing the package registers its components in mmseg's registries; configs
load it with ``custom_imports = dict(imports=['a2d2_mmseg'])``.
"""
from . import datasets  # noqa: F401  (registers datasets and transforms)
from . import engine  # noqa: F401  (safe checkpoints, CPU distributed)
from . import models  # noqa: F401
from . import visualization  # noqa: F401  (A2D2SegVisualizer)
from .version import __version__

__all__ = ['__version__', 'datasets', 'engine', 'models', 'visualization']
