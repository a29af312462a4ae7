"""Measure one config in this process (the child of a model benchmark).

:func:`run_single` builds the config's model and measures it at every size;
:mod:`.benchmark_runner` runs it in a fresh interpreter per config::

    python -m a2d2_mmseg.study.benchmark_worker SPEC_JSON

reads the job (:meth:`~.benchmark_settings.BenchmarkSettings.spec` plus
``result``, the path for the result JSON), prints
:data:`~.benchmark_settings.PROGRESS` once per size and writes the result.
This module is not imported by ``a2d2_mmseg.study`` (so ``python -m``
runs it cleanly).
"""
import json
import sys
from typing import Any, Dict

import torch
from mmengine.registry import init_default_scope

from a2d2_mmseg.study.benchmark_env import machine_line, short_error
from a2d2_mmseg.study.benchmark_model import (ModelForward, build_model, count_params,
                              load_config, loader_throughput, measure,
                              train_step)
from a2d2_mmseg.study.benchmark_settings import PROGRESS
from a2d2_mmseg.study.flop_count import count_flops

__all__ = ['run_single', 'main']


def run_single(spec: Dict[str, Any]) -> Dict[str, Any]:
    """Measure one config in this process.

    Args:
        spec (dict): The job: ``config``, ``sizes`` (``[width, height]``
            pairs) and the fields of
            :class:`~.benchmark_settings.BenchmarkSettings`.

    Returns:
        dict: ``config``, ``params``, ``trainable``, ``threads``,
        ``machine``, ``fallback`` (why ``tensor`` failed, when ``auto``
        fell back to ``predict``) and ``sizes``: one dict per size with
        ``size``, ``mode``, ``latency``/``throughput``/``infer_peak`` or
        ``infer_error``, ``train``/``train_peak`` or ``train_error`` (first
        size) and ``flops`` (see :func:`~.flop_count.count_flops`);
        with ``amp``, ``amp_train``/``amp_train_peak`` or
        ``amp_train_error`` beside the training step; with
        ``loader_data``, ``loader``: ``frames_per_s`` and ``workers``
        (:func:`~.benchmark_model.loader_throughput`) or ``error``.
    """
    device = spec['device']
    if spec.get('threads'):
        torch.set_num_threads(spec['threads'])
    init_default_scope('mmseg')
    torch.manual_seed(0)
    result: Dict[str, Any] = dict(
        config=spec['config'], sizes=[], threads=torch.get_num_threads(),
        machine=machine_line(device, torch.get_num_threads()))

    cfg = load_config(spec['config'], spec.get('cfg_options'))
    env_cfg = cfg.get('env_cfg') or {}
    if device == 'cuda':
        torch.backends.cudnn.benchmark = bool(
            env_cfg.get('cudnn_benchmark', False))
    model = build_model(cfg, device)
    model.eval()
    result['params'], result['trainable'] = count_params(model)
    mode = 'tensor' if spec['infer_mode'] == 'auto' else spec['infer_mode']
    fallback_reason = None

    for index, (width, height) in enumerate(spec['sizes']):
        row: Dict[str, Any] = dict(size=[width, height])
        inputs = torch.randn(spec['batch_size'], 3, height, width,
                             device=device)
        # inference latency, throughput and peak memory
        try:
            with torch.inference_mode():
                try:
                    fn = ModelForward(model, mode, height, width)
                    timing = measure(lambda: fn(inputs), spec['warmup'],
                                     spec['repeat'], device)
                except Exception as error:
                    if spec['infer_mode'] != 'auto' or mode != 'tensor':
                        raise
                    fallback_reason = short_error(error)
                    mode = 'predict'
                    fn = ModelForward(model, mode, height, width)
                    timing = measure(lambda: fn(inputs), spec['warmup'],
                                     spec['repeat'], device)
            row.update(
                latency=timing['seconds'],
                throughput=spec['batch_size'] / timing['seconds'],
                infer_peak=timing['peak'])
        except Exception as error:
            row['infer_error'] = short_error(error)
        row['mode'] = mode
        # the training step (first size only)
        if index == 0 and not spec['no_train']:
            try:
                timing = train_step(model, cfg, spec, width, height)
                row.update(train=timing['seconds'], train_peak=timing['peak'])
            except Exception as error:
                row['train_error'] = short_error(error)
                model.eval()
            if spec.get('amp'):
                try:
                    timing = train_step(model, cfg, spec, width, height,
                                        amp=True)
                    row.update(amp_train=timing['seconds'],
                               amp_train_peak=timing['peak'])
                except Exception as error:
                    row['amp_train_error'] = short_error(error)
                    model.eval()
        # FLOPs (batch 1) of the forward the latency timed
        flop_inputs = torch.randn(1, 3, height, width, device=device)
        row['flops'] = count_flops(
            ModelForward(model, mode, height, width).module(), flop_inputs)
        inputs = flop_inputs = None  # free them before the next size
        result['sizes'].append(row)
        print(PROGRESS, flush=True)
    result['fallback'] = fallback_reason
    if spec.get('loader_data'):
        try:
            result['loader'] = loader_throughput(
                cfg, spec['loader_data'], spec['train_batch_size'],
                spec.get('loader_batches', 10))
        except Exception as error:
            result['loader'] = dict(error=short_error(error))
    return result


def main(spec_path: str) -> Dict[str, Any]:
    """Run the job in ``spec_path`` and write its result file.

    Args:
        spec_path (str): JSON file of the job; its ``result`` key names
            the output JSON.

    Returns:
        dict: The result (see :func:`run_single`).
    """
    with open(spec_path) as f:
        spec = json.load(f)
    result = run_single(spec)
    with open(spec['result'], 'w') as f:
        json.dump(result, f)
    return result


if __name__ == '__main__':
    main(sys.argv[1])
