"""Measure one config in this process (the child of a model benchmark).

:func:`run_single` builds the config's model (random weights, nothing
downloaded, SyncBN -> BN) and measures it at every size: parameters, FLOPs
(:func:`count_flops`), inference latency and peak memory, a training step
(float32 and AMP) and the train loader's throughput.
:func:`~.benchmark.run_benchmark` runs it in a fresh interpreter per config::

    python -m a2d2_mmseg.study.benchmark_worker JOB_JSON

(the job: the settings and ``config``) prints ``{"progress": N}`` once
per size, then the result, one JSON line each (:class:`~.timing.LineWorker`
reads them).
"""
import copy
import json
import sys
from functools import partial
from typing import Any, Dict, Optional

import torch
from mmengine.config import Config

from a2d2_mmseg.deployment.segmentor import load_config
from a2d2_mmseg.study.timing import (call_times, machine_line, measure,
                                     random_labels, short_error,
                                     training_step)

__all__ = [
    'CHEAP_OPS', 'count_flops', 'load_config', 'build_model',
    'dummy_samples', 'ModelForward', 'train_step', 'loader_throughput',
    'run_single'
]

# Operators without a FlopAnalyzer counter that cost next to nothing beside
# the convolutions and matrix products: not listed as "not counted".
CHEAP_OPS = frozenset(
    'aten::' + name for name in (
        'add add_ sub sub_ rsub mul mul_ div div_ neg abs pow sqrt rsqrt exp '
        'exp_ log sigmoid sigmoid_ tanh gelu silu hardtanh leaky_relu softmax '
        'log_softmax cos sin lt le ne eq_ logical_and logical_or logical_not '
        'where max_pool2d avg_pool2d adaptive_max_pool2d sum mean amax argmax '
        'max min topk sort cumsum flip repeat repeat_interleave meshgrid '
        'masked_fill_ fill_ _shape_as_tensor feature_dropout dropout_ '
        'clamp_min clamp_max zero_ ones_like empty_like rand_like randn_like '
        'linspace new_ones scatter scatter_ index_select'.split()))


def count_flops(module: torch.nn.Module,
                inputs: torch.Tensor) -> Dict[str, Any]:
    """FLOPs of ``module(inputs)`` by mmengine's ``FlopAnalyzer`` (one
    multiply-add = one FLOP; with the plugin imported, attention counts
    too), never raising: ``dict(flops=int, skipped=[operators without a
    counter, not in CHEAP_OPS])`` or ``dict(error=str)``."""
    try:
        from mmengine.analysis import FlopAnalyzer
        analyzer = FlopAnalyzer(module, (inputs, ))
        analyzer.unsupported_ops_warnings(False)
        analyzer.uncalled_modules_warnings(False)
        analyzer.tracer_warnings('none')
        with torch.no_grad():
            flops = int(analyzer.total())
            skipped = sorted(set(analyzer.unsupported_ops()) - CHEAP_OPS)
        return dict(flops=flops, skipped=skipped)
    except Exception as error:  # any failure is reported, never raised
        return dict(error=short_error(error))


def build_model(cfg: Config, device: str) -> torch.nn.Module:
    """The config's model with random weights (``pretrained`` and the
    backbone's ``init_cfg`` set to None), SyncBN -> BN, on ``device``."""
    from mmengine.model import revert_sync_batchnorm
    from mmseg.registry import MODELS
    model_cfg = cfg.model.copy()
    model_cfg.pretrained = None
    if 'backbone' in model_cfg:
        model_cfg.backbone.init_cfg = None
    model = revert_sync_batchnorm(MODELS.build(model_cfg))
    return model.to(torch.device(device))


def dummy_samples(batch: int, height: int, width: int,
                  labels: Optional[torch.Tensor] = None) -> list:
    """``batch`` ``SegDataSample`` of an unpadded ``height x width`` input,
    with ``labels`` (``[batch, 1, H, W]``) as ``gt_sem_seg`` if given."""
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    shape = (height, width)
    samples = []
    for i in range(batch):
        sample = SegDataSample(metainfo=dict(
            img_shape=shape, ori_shape=shape, pad_shape=shape,
            batch_input_shape=shape, padding_size=[0, 0, 0, 0],
            scale_factor=(1.0, 1.0), flip=False))
        if labels is not None:
            sample.gt_sem_seg = PixelData(data=labels[i])
        samples.append(sample)
    return samples


class ModelForward(torch.nn.Module):
    """The inference call of one mode, :meth:`run`: ``'tensor'``
    (``model(x, mode='tensor')``) or ``'predict'`` (``model.predict``); its
    ``forward`` (``predict``: the stacked ``seg_logits``) is for
    ``FlopAnalyzer``."""

    def __init__(self, model: torch.nn.Module, mode: str):
        super().__init__()
        self.model, self.mode = model, mode

    def run(self, inputs: torch.Tensor):
        if self.mode == 'tensor':
            return self.model(inputs, mode='tensor')
        samples = dummy_samples(len(inputs), *inputs.shape[2:])
        return self.model.predict(inputs, samples)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        out = self.run(inputs)
        if self.mode == 'predict':
            return torch.stack([s.seg_logits.data for s in out])
        return out


def _num_classes(model: torch.nn.Module, cfg: Config) -> int:
    value = getattr(getattr(model, 'decode_head', None), 'num_classes', None)
    if value is None:
        value = cfg.model.decode_head.get('num_classes', 19)
    return int(value)


def train_step(model: torch.nn.Module,
               cfg: Config,
               spec: Dict[str, Any],
               width: int,
               height: int,
               amp: bool = False) -> Dict[str, Any]:
    """:func:`~.timing.measure` one training step on random inputs and
    labels: ``model(inputs, data_samples, mode='loss')``, ``parse_losses``,
    ``backward`` and a ``torch.optim.SGD`` step (lr 1e-4, momentum 0.9,
    :func:`~.timing.training_step`); the model is back in eval mode
    afterwards.

    Args:
        cfg (Config): The model's config (for ``num_classes``).
        spec (dict): ``train_batch_size``, ``device``, ``warmup``, ``repeat``.
        amp (bool): Forward and loss under ``torch.autocast`` (float16 with
            a ``GradScaler`` on CUDA, as mmengine's ``AmpOptimWrapper``;
            bfloat16 on the CPU).
    """
    batch, device = spec['train_batch_size'], spec['device']
    scaler = torch.amp.GradScaler('cuda') if amp and device == 'cuda' \
        else None
    dtype = torch.float16 if device == 'cuda' else torch.bfloat16
    labels = random_labels(batch, height, width, _num_classes(model, cfg),
                           device)
    inputs = torch.randn(batch, 3, height, width, device=device)
    samples = dummy_samples(batch, height, width, labels)

    def loss_fn():
        with torch.autocast(device, dtype=dtype, enabled=amp):
            return model.parse_losses(model(inputs, samples, mode='loss'))[0]

    model.train()
    try:
        return measure(
            training_step(loss_fn, model, scaler, lr=1e-4, momentum=0.9),
            spec['warmup'], spec['repeat'], device)
    finally:
        model.eval()


def loader_throughput(cfg: Config, data_root: str, batch_size: int,
                      batches: int, warmup: int = 2) -> Dict[str, Any]:
    """``dict(frames_per_s, workers)``: what the config's
    ``train_dataloader`` delivers, built as mmengine's ``Runner`` builds it
    with ``data_root`` and ``batch_size`` replaced, after ``warmup``
    untimed batches, and its ``num_workers``."""
    from mmengine.runner import Runner
    loader_cfg = copy.deepcopy(cfg.train_dataloader)
    loader_cfg.dataset.data_root = data_root
    loader_cfg.batch_size = batch_size
    loader = Runner.build_dataloader(loader_cfg, seed=0)
    batches_in = iter(loader)  # the workers end with the loader
    elapsed = sum(call_times(lambda: next(batches_in), batches,
                             warmup=warmup))
    return dict(frames_per_s=batches * batch_size / elapsed,
                workers=loader.num_workers)


def run_single(spec: Dict[str, Any]) -> Dict[str, Any]:
    """Measure one config in this process.

    Args:
        spec (dict): ``config`` and ``tools/analysis/benchmark.py``'s flags
            of the same names: ``sizes`` (``[width, height]`` pairs),
            ``batch_size``, ``train_batch_size``, ``repeat``, ``warmup``
            (peak memory is measured during these calls), ``device``,
            ``threads``, ``infer_mode`` (``'auto'``: tensor, falling back
            to predict when it fails), ``no_train``, ``cfg_options``,
            ``amp``, ``loader_data`` (the ``data_root`` on which the
            config's ``train_dataloader`` is timed) and
            ``loader_batches``.

    Returns:
        dict: ``config``, ``params``, ``trainable``, ``threads``,
        ``machine``, ``fallback`` (why ``tensor`` failed when ``auto`` fell
        back to ``predict``) and ``sizes``: per size ``size``, ``mode``,
        ``latency``/``throughput``/``infer_peak`` or ``infer_error``,
        ``train``/``train_peak`` or ``train_error`` (first size),
        ``amp_train``/``amp_train_peak`` or ``amp_train_error`` (``amp``)
        and ``flops`` (:func:`count_flops`); with ``loader_data``,
        ``loader`` (:func:`loader_throughput` or ``error``).
    """
    from mmengine.registry import init_default_scope
    device = spec['device']
    if spec.get('threads'):
        torch.set_num_threads(spec['threads'])
    init_default_scope('mmseg')
    torch.manual_seed(0)
    result: Dict[str, Any] = dict(
        config=spec['config'], sizes=[], threads=torch.get_num_threads(),
        machine=machine_line(device, torch.get_num_threads()))
    cfg = load_config(spec['config'], spec.get('cfg_options'))
    if device == 'cuda':
        torch.backends.cudnn.benchmark = bool(
            (cfg.get('env_cfg') or {}).get('cudnn_benchmark', False))
    model = build_model(cfg, device).eval()
    params = list(model.parameters())
    result['params'] = sum(p.numel() for p in params)
    result['trainable'] = sum(p.numel() for p in params if p.requires_grad)
    mode = 'tensor' if spec['infer_mode'] == 'auto' else spec['infer_mode']
    fallback_reason = None

    for index, (width, height) in enumerate(spec['sizes']):
        row: Dict[str, Any] = dict(size=[width, height])
        inputs = torch.randn(spec['batch_size'], 3, height, width,
                             device=device)

        def infer():
            return measure(partial(ModelForward(model, mode).run, inputs),
                           spec['warmup'], spec['repeat'], device)

        try:
            with torch.inference_mode():
                try:
                    timing = infer()
                except Exception as error:
                    if spec['infer_mode'] != 'auto' or mode != 'tensor':
                        raise
                    fallback_reason, mode = short_error(error), 'predict'
                    timing = infer()
            row.update(latency=timing['seconds'],
                       throughput=spec['batch_size'] / timing['seconds'],
                       infer_peak=timing['peak'])
        except Exception as error:
            row['infer_error'] = short_error(error)
        row['mode'] = mode
        if index == 0 and not spec['no_train']:
            for key in ('train', 'amp_train')[:1 + bool(spec.get('amp'))]:
                try:
                    timing = train_step(model, cfg, spec, width, height,
                                        amp=key == 'amp_train')
                    row.update({key: timing['seconds'],
                                key + '_peak': timing['peak']})
                except Exception as error:
                    row[key + '_error'] = short_error(error)
        # FLOPs (batch 1) of the forward the latency timed
        row['flops'] = count_flops(
            ModelForward(model, mode),
            torch.randn(1, 3, height, width, device=device))
        inputs = None  # free it before the next size
        result['sizes'].append(row)
        print(json.dumps(dict(progress=index + 1)), flush=True)
    result['fallback'] = fallback_reason
    if spec.get('loader_data'):
        try:
            result['loader'] = loader_throughput(
                cfg, spec['loader_data'], spec['train_batch_size'],
                spec.get('loader_batches', 10))
        except Exception as error:
            result['loader'] = dict(error=short_error(error))
    return result


if __name__ == '__main__':
    print(json.dumps(run_single(json.loads(sys.argv[1]))), flush=True)
