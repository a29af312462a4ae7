"""The plugin for mmseg: import this module to use a2d2_mmseg with mmseg.

Configs load it with::

    custom_imports = dict(imports=['a2d2_mmseg.plugin'],
                          allow_failed_imports=False)

(``configs/_base_/datasets/a2d2.py`` does), and scripts with
``import a2d2_mmseg.plugin``. Importing it

* registers the plugin's components in mmseg's registries, by importing the
  subpackages that define them: :mod:`a2d2_mmseg.datasets`
  (``A2D2Dataset``, ``LoadA2D2ImageFromFile``, ``LoadA2D2Annotations``),
  :mod:`a2d2_mmseg.models` (the decode heads, the layers, the loss),
  :mod:`a2d2_mmseg.engine` (hooks, ``CPUDistributedDataParallel``),
  :mod:`a2d2_mmseg.evaluation` (``PerClassIoUMetric``, its hook) and
  :mod:`a2d2_mmseg.visualization` (``A2D2SegVisualizer``);
* applies the patches of :mod:`a2d2_mmseg.compat` (safe checkpoint
  loading, ``MMSegInferencer`` with the A2D2 pipelines, ``mim train`` on
  CPU, attention FLOPs), the one list of what the plugin changes.

``import a2d2_mmseg`` alone does neither: it only makes the subpackages
reachable, and the A2D2 core (:mod:`a2d2_mmseg.a2d2`) needs no torch.
"""
from a2d2_mmseg import datasets  # noqa: F401
from a2d2_mmseg import engine  # noqa: F401
from a2d2_mmseg import evaluation  # noqa: F401
from a2d2_mmseg import models  # noqa: F401
from a2d2_mmseg import visualization  # noqa: F401
from a2d2_mmseg.compat import apply_patches

apply_patches()
