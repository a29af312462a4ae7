"""mmseg's visualization hook for A2D2: every image, only the test set.

mmseg's ``tools/test.py --show-dir DIR`` (and ``--show``) switch the
config's ``default_hooks.visualization`` on (``draw=True``). With mmseg's
``SegVisualizationHook`` as the A2D2 configs inherit it from mmseg's
schedules, three things go wrong on A2D2:

* it draws every 50th batch only (``interval=50``), so a test set smaller
  than 50 frames gives no picture at all;
* it passes ``runner.iter`` as the step, which builds the train loop and
  with it the *train* dataset: testing with ``--show-dir`` fails when only
  the test set is present (``data_root ... does not exist``);
* it decodes the image with mmcv's default flag, which applies an EXIF
  Orientation tag, while the pipelines (``LoadA2D2ImageFromFile``) and the
  labels use the stored pixels: the prediction would be drawn over a
  rotated image.

:class:`A2D2VisualizationHook` is that hook with those three fixed; the
A2D2 schedules use it with ``interval=1``. Nothing is drawn unless ``draw``
is set, as in mmseg.
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

__all__ = ['A2D2VisualizationHook', 'train_iter']


def train_iter(runner) -> int:
    """``runner.iter`` without building the train loop.

    mmengine's ``Runner.iter`` builds the train loop (and its dataset) on
    first use; a test run that never trained has iteration 0, which a
    freshly built loop would report too.
    """
    loop = getattr(runner, '_train_loop', None)
    return loop.iter if isinstance(loop, BaseLoop) else 0


def as_original(img: np.ndarray, data_sample: SegDataSample) -> np.ndarray:
    """The stored frame ``img`` (H x W x 3) at the sample's ``ori_shape``.

    Predictions are at ``ori_shape``; a pipeline that makes a resized frame
    the original (``ResizeAsOriginal``, the seed's 512x512) gives one that
    differs from the stored frame, which is then resized (bilinear) to it.
    """
    ori_shape = data_sample.metainfo.get('ori_shape')
    if ori_shape is None or tuple(ori_shape[:2]) == img.shape[:2]:
        return img
    return mmcv.imresize(img, (int(ori_shape[1]), int(ori_shape[0])))


@HOOKS.register_module()
class A2D2VisualizationHook(SegVisualizationHook):
    """Draw validation and test predictions (see the module doc).

    As mmseg's ``SegVisualizationHook``, except that the image is decoded
    as stored (EXIF orientation ignored, the header size checked against
    ``max_side`` first, as ``LoadA2D2ImageFromFile`` does), the step is
    taken without building the train loop (:func:`train_iter`), and
    ``interval`` defaults to 1.

    Args:
        draw (bool): Draw the predictions. Defaults to False (mmseg's
            ``tools/test.py`` sets it for ``--show``/``--show-dir``).
        interval (int): Draw every ``interval``-th batch. Defaults to 1.
        show (bool): Show the drawings in a window. Defaults to False.
        wait_time (float): Seconds to show each. Defaults to 0.
        backend_args (dict, optional): mmengine file backend arguments.
            Defaults to None.
        max_side (int, optional): Largest image width or height accepted
            from a header; None for no limit. Defaults to
            :data:`~a2d2_mmseg.a2d2.images.MAX_IMAGE_SIDE`.
    """

    def __init__(self,
                 draw: bool = False,
                 interval: int = 1,
                 show: bool = False,
                 wait_time: float = 0.,
                 backend_args: Optional[dict] = None,
                 max_side: Optional[int] = MAX_IMAGE_SIDE) -> None:
        super().__init__(
            draw=draw,
            interval=interval,
            show=show,
            wait_time=wait_time,
            backend_args=backend_args)
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
                step=train_iter(runner))
