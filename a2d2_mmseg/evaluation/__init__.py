"""The plugin's evaluation components, registered on import: a metric
that keeps its per-class results and a hook that keeps chosen predictions
(the report that uses them is in :mod:`a2d2_mmseg.study`)."""
from typing import Dict, Optional, Sequence

import numpy as np
from mmengine.hooks import Hook
from mmseg.evaluation import IoUMetric
from mmseg.registry import HOOKS, METRICS

__all__ = ['PerClassIoUMetric', 'PredictionCollector']


@METRICS.register_module()
class PerClassIoUMetric(IoUMetric):
    """mmseg's ``IoUMetric`` that also keeps its per-class results.

    :attr:`ret_metrics_class` holds the per-class arrays of
    ``compute_metrics``' own call (which only logs them): ``{'IoU': {class
    name: value}, 'Acc': ..., 'Dice': ...}``, in percent rounded to 2
    decimals as in the log table (NaN for a class in neither ground truth
    nor prediction). The returned metrics are IoUMetric's, unchanged.
    Arguments are ``IoUMetric``'s.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.ret_metrics_class: Dict[str, Dict[str, float]] = {}

    def total_area_to_metrics(self, *args, **kwargs):
        """``IoUMetric``'s, keeping a copy of its arrays (``compute_metrics``
        pops ``aAcc`` from the returned dict)."""
        ret_metrics = IoUMetric.total_area_to_metrics(*args, **kwargs)
        self._arrays = {k: np.array(v) for k, v in ret_metrics.items()}
        return ret_metrics

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """``IoUMetric``'s; also fills :attr:`ret_metrics_class`."""
        self._arrays = {}
        metrics = super().compute_metrics(results)
        classes = self.dataset_meta['classes']
        self.ret_metrics_class = {
            key: {
                name: float(v)
                for name, v in zip(classes, np.round(values * 100, 2))
            }
            for key, values in self._arrays.items() if key != 'aAcc'
        }
        return metrics


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
