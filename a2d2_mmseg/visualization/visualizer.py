"""A ``SegLocalVisualizer`` whose backends can be named on the command line.

mmengine's ``--cfg-options`` (``DictAction``) cannot build dicts: the option
``visualizer.vis_backends=[dict(type='LocalVisBackend'),...]`` arrives as a
list of *strings* and the visualizer refuses it, and overriding the top-level
``vis_backends`` variable after the config is parsed does not reach
``visualizer``. :class:`A2D2SegVisualizer` accepts backend type names, so
TensorBoard can be switched on per run:

.. code-block:: bash

    python tools/train.py CONFIG --cfg-options \\
        visualizer.type=A2D2SegVisualizer \\
        "visualizer.vis_backends=[LocalVisBackend,TensorboardVisBackend]"

The event files go to ``WORK_DIR/<timestamp>/vis_data`` beside
``scalars.json`` (which ``tools/analysis/plot_curves.py`` reads); it needs
``pip install tensorboard``. The class must be registered before the runner
builds the visualizer, i.e. by the config's ``custom_imports`` at parse
time: ``a2d2_mmseg.plugin`` imports this package for that (adding
``a2d2_mmseg.visualization`` to ``custom_imports`` through ``--cfg-options``
is too late: the imports run when the file is parsed).

Without this class, ``--cfg-options
visualizer.vis_backends.0.type=TensorboardVisBackend`` gives TensorBoard
*instead of* the JSON scalars.
"""
from typing import Optional, Sequence, Union

import numpy as np
from mmseg.registry import VISUALIZERS
from mmseg.visualization import SegLocalVisualizer

__all__ = ['A2D2SegVisualizer', 'backend_cfgs']


def backend_cfgs(vis_backends: Union[None, str, dict, Sequence]
                 ) -> Optional[list]:
    """Backend configs with bare type names turned into ``dict(type=...)``.

    Args:
        vis_backends (None | str | dict | Sequence): What ``--cfg-options``
            or a config gives: ``'TensorboardVisBackend'``,
            ``['LocalVisBackend', 'TensorboardVisBackend']``, dicts or
            backend objects.

    Returns:
        list | None: A list for mmengine's ``Visualizer``.
    """
    if vis_backends is None:
        return None
    if isinstance(vis_backends, (str, dict)):
        vis_backends = [vis_backends]
    return [
        dict(type=b) if isinstance(b, str) else b for b in vis_backends
    ]


@VISUALIZERS.register_module()
class A2D2SegVisualizer(SegLocalVisualizer):
    """:class:`mmseg.visualization.SegLocalVisualizer` that also takes
    backend type names in ``vis_backends`` (see the module docstring), and
    draws class names on images of any memory layout.

    mmseg 1.2.2 draws the class names with ``cv2.rectangle`` on a mask made
    by ``np.zeros_like(image)``, which keeps the image's strides: for a view
    such as ``img[..., ::-1]`` (what mmseg's ``tools/misc/browse_dataset.py``
    passes) OpenCV >= 4.8 refuses the array ("Layout of the output array img
    is incompatible with cv::Mat", open-mmlab/mmsegmentation#3405). This
    class hands a C-contiguous copy to mmseg's drawing; the shipped configs
    use it (``configs/_base_/default_runtime.py``).

    Args:
        name (str): Instance name. Defaults to 'visualizer'.
        vis_backends (None | str | dict | Sequence): Backends; strings are
            type names (``'TensorboardVisBackend'``).
        **kwargs: Passed to ``SegLocalVisualizer``.
    """

    def __init__(self,
                 name: str = 'visualizer',
                 vis_backends: Union[None, str, dict, Sequence] = None,
                 **kwargs) -> None:
        super().__init__(
            name=name, vis_backends=backend_cfgs(vis_backends), **kwargs)

    def _draw_sem_seg(self, image: np.ndarray, sem_seg, classes, palette,
                      with_labels: Optional[bool] = True) -> np.ndarray:
        """mmseg's drawing on a C-contiguous ``image`` (H x W x 3, RGB)."""
        return super()._draw_sem_seg(
            np.ascontiguousarray(image), sem_seg, classes, palette,
            with_labels=with_labels)
