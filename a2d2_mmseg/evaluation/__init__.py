"""Evaluation beyond mmseg's metrics: per-class results and model reports.

Importing registers :class:`PerClassIoUMetric` (mmseg's ``METRICS``) and
:class:`PredictionCollector` (mmseg's ``HOOKS``). :func:`compare` tests
several models on one split and writes the comparison report (tables,
per-class IoU, bar chart, showcase figure, GIF); its command line is
``tools/analysis/compare_models.py``.
"""
from .comparison import check_same_split, compare, write_tables
from .model_specs import ModelSpec, find_work_dir_model, parse_model_spec
from .model_test import (build_test_cfg, evaluate_model, per_class_evaluator,
                         safe_name)
from .per_class_iou_metric import PerClassIoUMetric
from .prediction_collector import PredictionCollector
from .report_figures import fit_mask, metrics_figure, read_rgb, showcase_figure
from .report_gif import gif_frames, save_gif
from .report_tables import (TABLE_METRICS, metric_value, per_class_rows,
                            table_rows, write_csv, write_markdown)

__all__ = [
    'PerClassIoUMetric', 'PredictionCollector', 'ModelSpec',
    'parse_model_spec', 'find_work_dir_model', 'safe_name',
    'per_class_evaluator', 'build_test_cfg', 'evaluate_model',
    'TABLE_METRICS', 'metric_value', 'table_rows', 'per_class_rows',
    'write_markdown', 'write_csv', 'read_rgb', 'fit_mask', 'metrics_figure',
    'showcase_figure', 'gif_frames', 'save_gif', 'check_same_split',
    'write_tables', 'compare'
]
