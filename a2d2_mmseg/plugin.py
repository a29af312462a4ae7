"""The plugin for mmseg: import this module to use a2d2_mmseg with mmseg.

Configs load it with ``custom_imports = dict(imports=['a2d2_mmseg.plugin'],
allow_failed_imports=False)`` (``configs/_base_/datasets/a2d2.py`` does),
scripts with ``import a2d2_mmseg.plugin``. Importing it registers the
plugin's components in mmseg's registries (by importing
:mod:`a2d2_mmseg.datasets`, :mod:`~a2d2_mmseg.models`,
:mod:`~a2d2_mmseg.engine`, :mod:`~a2d2_mmseg.evaluation` and
:mod:`~a2d2_mmseg.visualization`) and applies the patches of
:mod:`a2d2_mmseg.compat`, the one list of what the plugin changes in
mmengine, mmseg, mmcv and torch. ``import a2d2_mmseg`` alone does neither.
"""
from a2d2_mmseg import datasets  # noqa: F401
from a2d2_mmseg import engine  # noqa: F401
from a2d2_mmseg import evaluation  # noqa: F401
from a2d2_mmseg import models  # noqa: F401
from a2d2_mmseg import visualization  # noqa: F401
from a2d2_mmseg.compat import apply_patches

apply_patches()
