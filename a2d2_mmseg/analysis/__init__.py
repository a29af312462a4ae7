"""Analysis of models, runs and data.

* :mod:`.flop_handles`: FLOP counters for ``scaled_dot_product_attention``
  and ``baddbmm`` in mmengine's ``FlopAnalyzer``, registered when
  :mod:`a2d2_mmseg.plugin` is imported (so mmseg's ``get_flops.py``
  counts attention too);
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
from .benchmark_env import cpu_name, machine_line, short_error
from .benchmark_memory import MiB, PeakMemory
from .benchmark_model import (ModelForward, build_model, count_params,
                              dummy_samples, load_config, measure,
                              num_classes_of, random_labels, timed_median,
                              train_step)
from .benchmark_report import render
from .benchmark_runner import run_benchmark, run_child
from .benchmark_settings import PROGRESS, BenchmarkSettings
from .class_weighting import (METHODS, cfg_option, class_weights,
                              compute_weights, count_pixels, format_table,
                              fragment_text, write_outputs)
from .curves import (DEFAULT_KEYS, PERCENT_KEYS, load_run, parse_runs,
                     plot_curves, read_records, resolve_logs, series)
from .flop_count import CHEAP_OPS, count_flops
from .flop_handles import (ACTIVATION_HANDLES, FLOP_HANDLES, baddbmm_flop_jit,
                           register_flop_handles, sdpa_flop_jit)

__all__ = [
    'sdpa_flop_jit', 'baddbmm_flop_jit', 'FLOP_HANDLES',
    'ACTIVATION_HANDLES', 'register_flop_handles', 'CHEAP_OPS',
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
