"""mmseg's ``IoUMetric`` that also keeps its per-class results."""
from typing import Dict

import numpy as np
from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS

__all__ = ['PerClassIoUMetric']


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
