"""A hook that keeps the test loop's predictions of chosen frames."""
from typing import Dict, Optional, Sequence

import numpy as np
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

__all__ = ['PredictionCollector']


def _mask(data) -> np.ndarray:
    """``[1, H, W]`` tensor -> ``(H, W)`` uint8 array."""
    return data.squeeze(0).cpu().numpy().astype(np.uint8)


@HOOKS.register_module()
class PredictionCollector(Hook):
    """Keeps the test loop's predictions of chosen frames (by image path).

    After the loop :attr:`frames` maps each wanted ``img_path`` the loop
    produced to ``dict(pred=..., gt=...)`` (uint8 class indices; ``gt``
    only when the sample has ``gt_sem_seg``), and :attr:`seen` counts every
    sample the loop produced. So a report can show the evaluated
    predictions without running the model again.

    Args:
        wanted (Sequence[str]): ``img_path`` of the frames to keep.
    """
    priority = 'VERY_LOW'

    def __init__(self, wanted: Sequence[str]) -> None:
        self.wanted = set(wanted)
        self.frames: Dict[str, dict] = {}
        self.seen = 0

    def after_test_iter(self,
                        runner,
                        batch_idx: int,
                        data_batch: Optional[dict] = None,
                        outputs: Optional[Sequence] = None) -> None:
        """Keep the wanted frames of this batch's predictions."""
        for sample in outputs or []:
            self.seen += 1
            path = sample.metainfo.get('img_path')
            if path not in self.wanted:
                continue
            frame = dict(pred=_mask(sample.pred_sem_seg.data))
            if 'gt_sem_seg' in sample:
                frame['gt'] = _mask(sample.gt_sem_seg.data)
            self.frames[path] = frame
