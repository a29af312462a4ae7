"""Study tooling: model comparison reports, benchmarks, curves, class weights.

* the comparison report behind ``tools/analysis/compare_models.py``
  (:func:`compare`: tables, per-class IoU, bar chart, showcase figure, GIF);
* the model benchmark behind ``tools/analysis/benchmark.py``:
  :class:`BenchmarkSettings`, :func:`run_benchmark` (one child process per
  config running :mod:`.benchmark_worker`, which is imported only there),
  :func:`render`, and its parts (:func:`count_flops`,
  :class:`PeakMemory`, :func:`build_model`, ...);
* training curves from mmengine's JSON logs (:func:`parse_runs`,
  :func:`plot_curves`; ``tools/analysis/plot_curves.py``);
* class weights from the pixel counts of a split (:func:`class_weights`;
  ``tools/analysis/a2d2_class_weights.py``).
"""
from a2d2_mmseg.study.benchmark_env import cpu_name, machine_line, short_error
from a2d2_mmseg.study.benchmark_memory import MiB, PeakMemory
from a2d2_mmseg.study.benchmark_model import (ModelForward, build_model, count_params,
                              dummy_samples, load_config, measure,
                              num_classes_of, random_labels, timed_median,
                              train_step)
from a2d2_mmseg.study.benchmark_report import render
from a2d2_mmseg.study.benchmark_runner import run_benchmark, run_child
from a2d2_mmseg.study.benchmark_settings import PROGRESS, BenchmarkSettings
from a2d2_mmseg.study.class_weighting import (METHODS, cfg_option, class_weights,
                              compute_weights, count_pixels, format_table,
                              fragment_text, write_outputs)
from a2d2_mmseg.study.curves import (DEFAULT_KEYS, PERCENT_KEYS, load_run, parse_runs,
                     plot_curves, read_records, resolve_logs, series)
from a2d2_mmseg.study.comparison import check_same_split, compare, write_tables
from a2d2_mmseg.study.flop_count import CHEAP_OPS, count_flops
from a2d2_mmseg.study.model_specs import (ModelSpec, find_work_dir_model,
                                          parse_model_spec)
from a2d2_mmseg.study.model_test import (build_test_cfg, evaluate_model,
                                         per_class_evaluator, safe_name)
from a2d2_mmseg.study.report_figures import (fit_mask, metrics_figure, read_rgb,
                                             showcase_figure)
from a2d2_mmseg.study.report_gif import gif_frames, save_gif
from a2d2_mmseg.study.report_tables import (TABLE_METRICS, metric_value,
                                            per_class_rows, table_rows,
                                            write_csv, write_markdown)

__all__ = [
    'ModelSpec', 'parse_model_spec', 'find_work_dir_model', 'safe_name',
    'per_class_evaluator', 'build_test_cfg', 'evaluate_model',
    'TABLE_METRICS', 'metric_value', 'table_rows', 'per_class_rows',
    'write_markdown', 'write_csv', 'read_rgb', 'fit_mask', 'metrics_figure',
    'showcase_figure', 'gif_frames', 'save_gif', 'check_same_split',
    'write_tables', 'compare',
    'CHEAP_OPS',
    'count_flops', 'cpu_name', 'machine_line', 'short_error', 'MiB',
    'PeakMemory', 'load_config', 'build_model', 'count_params',
    'dummy_samples', 'random_labels',
    'ModelForward', 'timed_median', 'measure', 'num_classes_of',
    'train_step', 'PROGRESS', 'BenchmarkSettings', 'run_child',
    'run_benchmark', 'render', 'DEFAULT_KEYS', 'PERCENT_KEYS',
    'resolve_logs', 'read_records', 'load_run', 'series', 'plot_curves',
    'parse_runs', 'METHODS', 'count_pixels', 'compute_weights',
    'class_weights', 'format_table', 'fragment_text', 'write_outputs',
    'cfg_option'
]
