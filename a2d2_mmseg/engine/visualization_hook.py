"""mmseg's visualization hook for A2D2: every image, only the test set.

mmseg's ``SegVisualizationHook`` (``tools/test.py --show-dir``) draws every
50th batch only, builds the train loop and its dataset through
``runner.iter`` (failing when only the test set exists), and decodes images
with their EXIF orientation while labels use the stored pixels.
:class:`A2D2VisualizationHook` fixes the three; the A2D2 schedules use it
with ``interval=1``.
"""
import os.path as osp
from typing import Optional, Sequence

import mmcv
import mmengine.fileio as fileio
import numpy as np
from mmengine.runner import BaseLoop
from mmseg.engine.hooks import SegVisualizationHook
from mmseg.registry import HOOKS
from mmseg.structures import SegDataSample

from a2d2_mmseg.a2d2.images import MAX_IMAGE_SIDE, imdecode_no_orientation

__all__ = ['A2D2VisualizationHook', 'as_original']


def as_original(img: np.ndarray, data_sample: SegDataSample) -> np.ndarray:
    """The stored frame ``img`` (H x W x 3) at the sample's ``ori_shape``
    (resized, bilinear, when a pipeline made a resized frame the original)."""
    ori_shape = data_sample.metainfo.get('ori_shape')
    if ori_shape is None or tuple(ori_shape[:2]) == img.shape[:2]:
        return img
    return mmcv.imresize(img, (int(ori_shape[1]), int(ori_shape[0])))


@HOOKS.register_module()
class A2D2VisualizationHook(SegVisualizationHook):
    """Draw validation and test predictions (see the module doc).

    Args:
        draw (bool): Draw the predictions. Defaults to False (mmseg's
            ``tools/test.py`` sets it for ``--show``/``--show-dir``).
        interval (int): Draw every ``interval``-th batch. Defaults to 1.
        max_side (int, optional): Largest image side accepted from a header
            (None: no limit). Defaults to
            :data:`~a2d2_mmseg.a2d2.images.MAX_IMAGE_SIDE`.
        **kwargs: mmseg's ``show``, ``wait_time``, ``backend_args``.
    """

    def __init__(self,
                 draw: bool = False,
                 interval: int = 1,
                 max_side: Optional[int] = MAX_IMAGE_SIDE,
                 **kwargs) -> None:
        super().__init__(draw=draw, interval=interval, **kwargs)
        self.max_side = max_side

    def _after_iter(self,
                    runner,
                    batch_idx: int,
                    data_batch: dict,
                    outputs: Sequence[SegDataSample],
                    mode: str = 'val') -> None:
        if self.draw is False or mode == 'train':
            return
        if not self.every_n_inner_iters(batch_idx, self.interval):
            return
        # runner.iter would build the train loop (0 before training).
        loop = getattr(runner, '_train_loop', None)
        step = loop.iter if isinstance(loop, BaseLoop) else 0
        for output in outputs:
            img_path = output.img_path
            data = fileio.get(img_path, backend_args=self.backend_args)
            img = imdecode_no_orientation(data, img_path, 'color',
                                          max_side=self.max_side)
            img = as_original(img, output)
            self._visualizer.add_datasample(
                f'{mode}_{osp.basename(img_path)}',
                img[..., ::-1],
                data_sample=output,
                show=self.show,
                wait_time=self.wait_time,
                step=step)
