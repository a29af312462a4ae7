"""a2d2_mmseg: the Audi A2D2 dataset for MMSegmentation 1.x.

Importing the package registers its components in mmseg's registries; configs
load it with ``custom_imports = dict(imports=['a2d2_mmseg'])``. It also adds
FLOP counters for ``scaled_dot_product_attention`` and ``baddbmm`` to
mmengine's ``FlopAnalyzer`` (:mod:`a2d2_mmseg.analysis.flop_handles`).
"""
from . import analysis  # noqa: F401
from . import datasets  # noqa: F401  (registers datasets and transforms)
from . import engine  # noqa: F401  (safe checkpoints, CPU distributed)
from . import evaluation  # noqa: F401  (PerClassIoUMetric, its hook)
from . import models  # noqa: F401
from . import visualization  # noqa: F401  (A2D2SegVisualizer)
from .analysis.flop_handles import register_flop_handles
from .version import __version__

register_flop_handles()

__all__ = [
    '__version__', 'datasets', 'engine', 'models', 'visualization',
    'evaluation', 'analysis'
]
