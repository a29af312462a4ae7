"""mmseg's ``IoUMetric`` that also keeps its per-class results."""
from typing import Dict

import numpy as np
from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS

__all__ = ['PerClassIoUMetric']


@METRICS.register_module()
class PerClassIoUMetric(IoUMetric):
    """mmseg's ``IoUMetric`` that also keeps its per-class results.

    ``IoUMetric.compute_metrics`` computes per-class arrays with
    ``total_area_to_metrics`` but only logs them (its "per class results"
    table). This subclass keeps the arrays of that very call in
    :attr:`ret_metrics_class`: ``{'IoU': {class name: value}, 'Acc': ...,
    'Dice': ...}``, in percent rounded to 2 decimals as in the log table
    (NaN for a class in neither ground truth nor prediction). The returned
    metrics (``aAcc``, ``mIoU``, ``mAcc``, ``mDice``, ...) are IoUMetric's,
    unchanged.

    Args:
        *args: Passed to ``IoUMetric``.
        **kwargs: Passed to ``IoUMetric`` (``iou_metrics``,
            ``ignore_index``, ``prefix``, ...).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.ret_metrics_class: Dict[str, Dict[str, float]] = {}

    def total_area_to_metrics(self, *args, **kwargs):
        """``IoUMetric.total_area_to_metrics``, keeping a copy of its
        arrays (``compute_metrics`` pops ``aAcc`` from the returned
        dict)."""
        ret_metrics = IoUMetric.total_area_to_metrics(*args, **kwargs)
        self._arrays = {k: np.array(v) for k, v in ret_metrics.items()}
        return ret_metrics

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """``IoUMetric.compute_metrics``; also fills
        :attr:`ret_metrics_class`.

        Args:
            results (list): The processed results of every batch.

        Returns:
            dict: IoUMetric's metrics, unchanged.
        """
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
