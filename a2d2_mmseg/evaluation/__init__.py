"""The plugin's evaluation components; importing registers them (the report
that uses them is in :mod:`a2d2_mmseg.study`)."""
from a2d2_mmseg.evaluation.per_class_iou_metric import PerClassIoUMetric
from a2d2_mmseg.evaluation.prediction_collector import PredictionCollector

__all__ = ['PerClassIoUMetric', 'PredictionCollector']
