"""A ``SegLocalVisualizer`` whose backends can be named on the command line
(mmengine's ``--cfg-options`` cannot build dicts), so TensorBoard can be
switched on per run (``docs/train_test.md``); registered by
``a2d2_mmseg.plugin``.
"""
from typing import Optional, Sequence, Union

import numpy as np
from mmseg.registry import VISUALIZERS
from mmseg.visualization import SegLocalVisualizer

__all__ = ['A2D2SegVisualizer']


@VISUALIZERS.register_module()
class A2D2SegVisualizer(SegLocalVisualizer):
    """:class:`mmseg.visualization.SegLocalVisualizer` that also takes
    backend type names in ``vis_backends``, and draws class names on images
    of any memory layout: mmseg 1.2.2 draws them on ``np.zeros_like(image)``,
    which OpenCV >= 4.8 refuses for a view such as ``img[..., ::-1]``
    (open-mmlab/mmsegmentation#3405), so this hands mmseg a C-contiguous
    copy. The shipped configs use it.

    Args:
        vis_backends (None | str | dict | Sequence): Backends; strings are
            type names (``'TensorboardVisBackend'``).
        **kwargs: Passed to ``SegLocalVisualizer``.
    """

    def __init__(self,
                 name: str = 'visualizer',
                 vis_backends: Union[None, str, dict, Sequence] = None,
                 **kwargs) -> None:
        if isinstance(vis_backends, (str, dict)):
            vis_backends = [vis_backends]
        if vis_backends is not None:
            vis_backends = [
                dict(type=b) if isinstance(b, str) else b for b in vis_backends
            ]
        super().__init__(name=name, vis_backends=vis_backends, **kwargs)

    def _draw_sem_seg(self, image: np.ndarray, sem_seg, classes, palette,
                      with_labels: Optional[bool] = True) -> np.ndarray:
        """mmseg's drawing on a C-contiguous ``image`` (H x W x 3, RGB)."""
        return super()._draw_sem_seg(
            np.ascontiguousarray(image), sem_seg, classes, palette,
            with_labels=with_labels)
