# Copyright (c) OpenMMLab. All rights reserved.
"""Benchmark segmentation models: size, FLOPs, speed and memory.

    python tools/analysis/benchmark.py CONFIG [CONFIG ...] \\
        [--sizes 512x512 1920x1208] [--batch-size 1] [--train-batch-size 2] \\
        [--repeat 5] [--warmup 1] [--device cpu|cuda] [--threads N] \\
        [--infer-mode auto|tensor|predict] [--no-train] \\
        [-o work_dirs/benchmark.md] [--cfg-options k=v ...]

Sizes are ``WIDTHxHEIGHT`` (A2D2 frames are 1920x1208: input tensors are
``[B, 3, 1208, 1920]``). The models are built from the configs with random
weights (``model.pretrained=None``, ``model.backbone.init_cfg=None``:
nothing is downloaded) and SyncBN turned into BN; the data preprocessor is
not run (the inputs are already normalised random tensors). Each config is
measured in a fresh Python process (this script with a hidden ``--_single``
option), one config after the other, so memory numbers are per model and
the models do not compete for the CPU.

What is measured, for every config:

* **params / trainable**: ``sum(p.numel())`` over ``model.parameters()``
  (all / those with ``requires_grad``), exact counts.
* **GFLOPs** at each size, batch 1: mmengine's ``FlopAnalyzer`` (the
  counter ``mmengine.analysis.get_model_complexity_info`` uses, called
  directly to trace once instead of twice and to get the operators it could
  not count) on the same forward as the latency (see *mode*). mmengine
  counts one fused multiply-add as one FLOP (fvcore's convention, i.e.
  GMACs). Counters for ``scaled_dot_product_attention`` and ``baddbmm``
  are added; element-wise, pooling, softmax and reduction operators count 0
  (mmengine's convention); other operators without a counter count 0 and
  are listed in the notes. When tracing fails the cell is ``n/a`` with the
  reason in the notes; the script never stops for it.
* **latency**: median over ``--repeat`` timed calls, after ``--warmup``
  untimed calls, of one forward of a ``--batch-size`` batch under
  ``torch.inference_mode()`` with ``model.eval()`` (on CUDA synchronised
  before and after each call). **throughput** = batch size / latency
  (images/s). *mode* says what was called: ``tensor`` =
  ``model(inputs, mode='tensor')`` (backbone + decode head, logits at the
  head's resolution, no resize, no argmax); ``predict`` =
  ``model.predict(inputs, data_samples)`` (also resizes the logits to the
  input size and takes the argmax). ``--infer-mode auto`` (default) uses
  ``tensor`` and falls back to ``predict`` for models whose ``tensor``
  forward fails (mmseg's Mask2Former head needs data samples).
* **train step** at the first size only: ``--train-batch-size`` random
  inputs with random labels (8x8-pixel blocks of random classes, ~10 % of
  the blocks 255 = ignored), ``model.train()``, ``model(inputs,
  data_samples, mode='loss')``, ``parse_losses``, ``backward`` and one
  ``torch.optim.SGD`` step (lr 1e-4, momentum 0.9; the config's optimizer
  is not used); median over ``--repeat`` steps after ``--warmup``.
* **peak memory** (MiB), for the inference and the training step
  separately, measured during the warm-up calls (or one extra untimed call
  with ``--warmup 0``) so the timed calls run without the sampler: on CUDA
  ``torch.cuda.max_memory_allocated()`` after ``reset_peak_memory_stats()``
  (absolute: includes the weights, and for training gradients and
  optimizer state); on CPU the growth of the process's resident set size
  (RSS) above its value just before the calls: a thread samples
  ``/proc/self/statm`` every 2 ms, combined with the exact
  ``resource.getrusage().ru_maxrss`` when the calls set a new process
  high. RSS numbers are approximate: they exclude the weights (already
  resident), the allocator may keep freed memory (``malloc_trim`` is called
  first where glibc has it) and a peak shorter than the sampling interval
  can be missed.

Prints a progress bar over configs x sizes, then one Markdown table (one
row per config and size; the training columns are filled in the first size's
row) with the machine, the settings and the notes, and writes it to ``-o``.
Exit status 1 when a config could not be measured at all (its rows say why),
2 for bad arguments (a missing config, a bad size, ``--device cuda`` without
CUDA).
"""
import argparse
import json
import os
import os.path as osp
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from typing import Any, Dict, List, Optional, Sequence, Tuple

PROGRESS = '@@benchmark-progress'
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MiB = 1024.0**2


# --------------------------------------------------------------------------
# arguments
# --------------------------------------------------------------------------
def parse_size(text: str) -> Tuple[int, int]:
    """``'1920x1208'`` -> ``(1920, 1208)`` (width, height)."""
    match = re.fullmatch(r'\s*(\d+)\s*[xX*]\s*(\d+)\s*', text)
    if not match or int(match.group(1)) < 1 or int(match.group(2)) < 1:
        raise argparse.ArgumentTypeError(
            f'size must be WIDTHxHEIGHT, e.g. 1920x1208, not {text!r}')
    return int(match.group(1)), int(match.group(2))


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f'must be >= 1, not {value}')
    return value


def non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f'must be >= 0, not {value}')
    return value


def build_parser() -> argparse.ArgumentParser:
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(
        description='Benchmark segmentation configs: parameters, FLOPs, '
        'latency, throughput, a training step and peak memory.')
    parser.add_argument('configs', nargs='*', metavar='CONFIG',
                        help='config files (each measured in its own process)')
    parser.add_argument('--sizes', nargs='+', type=parse_size,
                        default=[(512, 512), (1920, 1208)],
                        metavar='WxH', help='input sizes, WIDTHxHEIGHT')
    parser.add_argument('--batch-size', type=positive_int, default=1,
                        help='inference batch size')
    parser.add_argument('--train-batch-size', type=positive_int, default=2,
                        help='training step batch size (first size only)')
    parser.add_argument('--repeat', type=positive_int, default=5,
                        help='timed calls (median)')
    parser.add_argument('--warmup', type=non_negative_int, default=1,
                        help='untimed calls before the timed ones')
    parser.add_argument('--device', choices=['cpu', 'cuda'], default='cpu')
    parser.add_argument('--threads', type=positive_int, default=None,
                        help='torch CPU threads (default: torch\'s default)')
    parser.add_argument('--infer-mode', choices=['auto', 'tensor', 'predict'],
                        default='auto',
                        help="what the latency times: model(x, mode='tensor')"
                        ', model.predict, or tensor falling back to predict')
    parser.add_argument('--no-train', action='store_true',
                        help='skip the training step')
    parser.add_argument('-o', '--out', default='work_dirs/benchmark.md',
                        help='Markdown file for the table')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings (key=value), applied '
                        'to every config')
    parser.add_argument('--_single', help=argparse.SUPPRESS)
    return parser


# --------------------------------------------------------------------------
# the machine
# --------------------------------------------------------------------------
def cpu_name() -> str:
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.lower().startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or 'unknown CPU'


def machine_line(device: str, threads: Optional[int]) -> str:
    """CPU (or GPU) and library versions, one line."""
    import mmcv
    import mmengine
    import mmseg
    import torch
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    cpu = (f'CPU {cpu_name()}, {os.cpu_count()} logical cores '
           f'({usable} usable)')
    if device == 'cuda':
        head = (f'GPU {torch.cuda.get_device_name(0)} '
                f'(CUDA {torch.version.cuda}), {cpu}')
    else:
        head = f'{cpu}, torch threads {threads}'
    return (f'{head}; {platform.system()} {platform.machine()}, python '
            f'{platform.python_version()}, torch {torch.__version__}, mmcv '
            f'{mmcv.__version__}, mmengine {mmengine.__version__}, mmseg '
            f'{mmseg.__version__}')


# --------------------------------------------------------------------------
# measuring (runs in the per-config child process)
# --------------------------------------------------------------------------
def short_error(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    text = text[0] if text else ''
    if len(text) > 160:
        text = text[:157] + '...'
    return f'{type(error).__name__}: {text}' if text else type(error).__name__


def _rss_bytes() -> Optional[int]:
    try:
        with open('/proc/self/statm') as f:
            return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')
    except (OSError, ValueError, IndexError):
        return None


def _maxrss_bytes() -> int:
    import resource
    value = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return value if sys.platform == 'darwin' else value * 1024


def _malloc_trim() -> None:
    try:
        import ctypes
        ctypes.CDLL('libc.so.6').malloc_trim(0)
    except (OSError, AttributeError):
        pass


class PeakMemory:
    """Peak memory of the calls inside ``with``, in bytes (``.peak``).

    CUDA: ``max_memory_allocated``. CPU: RSS growth above the RSS at the
    start, sampled every ``interval`` s from /proc/self/statm and combined
    with ``ru_maxrss`` (exact, but only when the block sets a new high).
    """

    def __init__(self, device: str, interval: float = 0.002):
        self.device = device
        self.interval = interval
        self.peak: Optional[int] = None

    def __enter__(self):
        import gc
        import torch
        gc.collect()
        if self.device == 'cuda':
            torch.cuda.synchronize()
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
            return self
        _malloc_trim()
        self._start = _rss_bytes()
        self._start_max = _maxrss_bytes()
        self._sampled = self._start or 0
        self._stop = threading.Event()
        self._thread = None
        if self._start is not None:
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        return self

    def _sample(self):
        while not self._stop.is_set():
            rss = _rss_bytes()
            if rss is not None and rss > self._sampled:
                self._sampled = rss
            self._stop.wait(self.interval)

    def __exit__(self, *exc):
        import torch
        if self.device == 'cuda':
            torch.cuda.synchronize()
            self.peak = int(torch.cuda.max_memory_allocated())
            return False
        rss = _rss_bytes()
        if rss is not None:
            self._sampled = max(self._sampled, rss)
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
        end_max = _maxrss_bytes()
        if self._start is None:  # no /proc: ru_maxrss growth only
            self.peak = end_max - self._start_max
        else:
            peak = self._sampled
            if end_max > self._start_max:  # a new process high: exact
                peak = max(peak, end_max)
            self.peak = max(0, peak - self._start)
        return False


def _sync(device: str) -> None:
    if device == 'cuda':
        import torch
        torch.cuda.synchronize()


def timed_median(fn, repeat: int, device: str) -> float:
    """Median seconds of ``repeat`` calls of ``fn``."""
    times = []
    for _ in range(repeat):
        _sync(device)
        start = time.perf_counter()
        fn()
        _sync(device)
        times.append(time.perf_counter() - start)
    times.sort()
    mid = len(times) // 2
    return times[mid] if len(times) % 2 else 0.5 * (times[mid - 1] +
                                                    times[mid])


def measure(fn, warmup: int, repeat: int, device: str) -> Dict[str, Any]:
    """Warm-up calls (memory sampled during them; one extra untimed call
    when ``warmup`` is 0), then the median of ``repeat`` timed calls."""
    with PeakMemory(device) as memory:
        for _ in range(max(warmup, 1)):
            fn()
        _sync(device)
    return dict(seconds=timed_median(fn, repeat, device), peak=memory.peak)


def load_config(path: str, cfg_options: Optional[dict]):
    from mmengine.config import Config
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def build_model(cfg, device: str):
    """The config's model with random weights, SyncBN -> BN, on device."""
    import torch
    from mmengine.model import revert_sync_batchnorm
    from mmseg.registry import MODELS
    model_cfg = cfg.model.copy()
    model_cfg.pretrained = None
    if 'backbone' in model_cfg:
        model_cfg.backbone.init_cfg = None
    model = MODELS.build(model_cfg)
    model = revert_sync_batchnorm(model)
    return model.to(torch.device(device))


def count_params(model) -> Tuple[int, int]:
    params = list(model.parameters())
    return (sum(p.numel() for p in params),
            sum(p.numel() for p in params if p.requires_grad))


def dummy_samples(batch: int, height: int, width: int, labels=None):
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    samples = []
    for i in range(batch):
        shape = (height, width)
        sample = SegDataSample(
            metainfo=dict(
                img_shape=shape,
                ori_shape=shape,
                pad_shape=shape,
                batch_input_shape=shape,
                padding_size=[0, 0, 0, 0],
                scale_factor=(1.0, 1.0),
                flip=False))
        if labels is not None:
            sample.gt_sem_seg = PixelData(data=labels[i])
        samples.append(sample)
    return samples


def random_labels(batch: int, height: int, width: int, num_classes: int,
                  device: str, seed: int = 0):
    """``[batch, 1, H, W]`` int64: 8x8 blocks of random classes, ~10 % of
    the blocks 255 (ignored)."""
    import torch
    gen = torch.Generator().manual_seed(seed)
    bh, bw = -(-height // 8), -(-width // 8)
    blocks = torch.randint(0, num_classes, (batch, 1, bh, bw), generator=gen)
    blocks[torch.rand(blocks.shape, generator=gen) < 0.1] = 255
    labels = blocks.repeat_interleave(8, 2).repeat_interleave(8, 3)
    return labels[:, :, :height, :width].contiguous().to(device)


class _Forward:
    """The inference callable of one mode, and an nn.Module for tracing."""

    def __init__(self, model, mode: str, height: int, width: int):
        self.model, self.mode = model, mode
        self.height, self.width = height, width

    def __call__(self, inputs):
        if self.mode == 'tensor':
            return self.model(inputs, mode='tensor')
        samples = dummy_samples(inputs.shape[0], self.height, self.width)
        return self.model.predict(inputs, samples)

    def module(self):
        import torch

        forward = self

        class Traced(torch.nn.Module):

            def __init__(self):
                super().__init__()
                self.model = forward.model

            def forward(self, inputs):
                out = forward(inputs)
                if forward.mode == 'predict':
                    return torch.stack([s.seg_logits.data for s in out])
                return out

        return Traced()


# Operators that mmengine's FlopAnalyzer has no counter for and that cost
# next to nothing next to the convolutions and matrix products (element-wise
# arithmetic, comparisons, activations, pooling, reductions, indexing): they
# are not listed as "not counted" in the notes (the table says so once).
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


def _sdpa_flop_jit(inputs: List[Any], outputs: List[Any]) -> int:
    """``scaled_dot_product_attention(q, k, v, ...)``: q @ k^T and the
    attention-weighted sum of v, one multiply-add = one FLOP."""
    from mmengine.analysis.jit_handles import get_shape
    q, k, v = (get_shape(x) for x in inputs[:3])
    batch = 1
    for dim in q[:-2]:
        batch *= dim
    return batch * q[-2] * k[-2] * (q[-1] + v[-1])


def _baddbmm_flop_jit(inputs: List[Any], outputs: List[Any]) -> int:
    """``baddbmm(input, b1 [b, n, m], b2 [b, m, p])``: b * n * m * p."""
    from mmengine.analysis.jit_handles import get_shape
    b, n, m = get_shape(inputs[1])
    return b * n * m * get_shape(inputs[2])[-1]


def count_flops(module, inputs) -> Dict[str, Any]:
    """``dict(flops=int, skipped=[ops])`` or ``dict(error=str)``.

    ``skipped``: the operators without a FLOP counter that are not in
    :data:`CHEAP_OPS` (they count as 0).
    """
    import torch
    try:
        from mmengine.analysis import FlopAnalyzer
        analyzer = FlopAnalyzer(module, (inputs, ))
        analyzer.set_op_handle(
            'aten::scaled_dot_product_attention', _sdpa_flop_jit,
            'aten::baddbmm', _baddbmm_flop_jit)
        analyzer.unsupported_ops_warnings(False)
        analyzer.uncalled_modules_warnings(False)
        analyzer.tracer_warnings('none')
        with torch.no_grad():
            flops = int(analyzer.total())
            skipped = sorted(
                set(analyzer.unsupported_ops()) - CHEAP_OPS)
        return dict(flops=flops, skipped=skipped)
    except Exception as error:  # any failure is reported, never raised
        return dict(error=short_error(error))


def num_classes_of(model, cfg) -> int:
    head = getattr(model, 'decode_head', None)
    value = getattr(head, 'num_classes', None)
    if value is None:
        value = cfg.model.decode_head.get('num_classes', 19)
    return int(value)


def train_step(model, cfg, args, width: int, height: int) -> Dict[str, Any]:
    import torch
    batch = args['train_batch_size']
    device = args['device']
    labels = random_labels(batch, height, width, num_classes_of(model, cfg),
                           device)
    inputs = torch.randn(batch, 3, height, width, device=device)
    samples = dummy_samples(batch, height, width, labels)
    model.train()
    optimizer = torch.optim.SGD(
        [p for p in model.parameters() if p.requires_grad],
        lr=1e-4,
        momentum=0.9)

    def step():
        losses = model(inputs, samples, mode='loss')
        loss, _ = model.parse_losses(losses)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    try:
        return measure(step, args['warmup'], args['repeat'], device)
    finally:
        optimizer.zero_grad(set_to_none=True)
        del optimizer
        model.eval()


def run_single(spec: Dict[str, Any]) -> Dict[str, Any]:
    """Measure one config (in this process); ``spec`` holds the options."""
    import torch
    from mmengine.registry import init_default_scope
    try:
        import a2d2_mmseg  # noqa: F401  (registers the plugin)
    except ImportError:  # run from a checkout without `pip install -e .`
        sys.path.insert(0, REPO)
        import a2d2_mmseg  # noqa: F401

    device = spec['device']
    if spec.get('threads'):
        torch.set_num_threads(spec['threads'])
    init_default_scope('mmseg')
    torch.manual_seed(0)
    result: Dict[str, Any] = dict(
        config=spec['config'], sizes=[], threads=torch.get_num_threads(),
        machine=machine_line(device, torch.get_num_threads()))

    def progress():
        print(PROGRESS, flush=True)

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
                    fn = _Forward(model, mode, height, width)
                    timing = measure(lambda: fn(inputs), spec['warmup'],
                                     spec['repeat'], device)
                except Exception as error:
                    if spec['infer_mode'] != 'auto' or mode != 'tensor':
                        raise
                    fallback_reason = short_error(error)
                    mode = 'predict'
                    fn = _Forward(model, mode, height, width)
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
        # FLOPs (batch 1) of the forward the latency timed
        flop_inputs = torch.randn(1, 3, height, width, device=device)
        row['flops'] = count_flops(
            _Forward(model, mode, height, width).module(), flop_inputs)
        del inputs, flop_inputs
        result['sizes'].append(row)
        progress()
    result['fallback'] = fallback_reason
    return result


# --------------------------------------------------------------------------
# the parent: one child process per config, the table
# --------------------------------------------------------------------------
def _child_env(threads: Optional[int]) -> Dict[str, str]:
    env = dict(os.environ)
    if threads:
        for name in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
            env[name] = str(threads)
    path = env.get('PYTHONPATH')
    env['PYTHONPATH'] = REPO + (os.pathsep + path if path else '')
    return env


def run_child(spec: Dict[str, Any], tmp_dir: str, index: int,
              bar) -> Dict[str, Any]:
    """Run :func:`run_single` in a fresh interpreter; update ``bar``."""
    spec_path = osp.join(tmp_dir, f'spec_{index}.json')
    result_path = osp.join(tmp_dir, f'result_{index}.json')
    log_path = osp.join(tmp_dir, f'log_{index}.txt')
    with open(spec_path, 'w') as f:
        json.dump(dict(spec, result=result_path), f)
    ticks = 0
    with open(log_path, 'w') as log:
        proc = subprocess.Popen(
            [sys.executable, osp.abspath(__file__), '--_single', spec_path],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            env=_child_env(spec.get('threads')),
            cwd=os.getcwd())
        for line in proc.stdout:
            if line.strip() == PROGRESS:
                ticks += 1
                bar.update()
            else:
                log.write(line)
        returncode = proc.wait()
    for _ in range(len(spec['sizes']) - ticks):
        bar.update()
    if returncode == 0 and osp.exists(result_path):
        with open(result_path) as f:
            return json.load(f)
    with open(log_path) as f:
        lines = [line.rstrip() for line in f if line.strip()]
    reason = next((line for line in reversed(lines)
                   if re.match(r'^\w*(Error|Exception)\b', line)),
                  lines[-1] if lines else f'exit status {returncode}')
    sys.stderr.write(f'\n{spec["config"]} failed (exit status {returncode})'
                     f':\n' + '\n'.join(lines[-15:]) + '\n')
    return dict(config=spec['config'], error=reason[:200])


def _fmt_int(value: int) -> str:
    return f'{value:,}'


def _fmt_mib(value: Optional[int]) -> str:
    return 'n/a' if value is None else f'{value / MiB:.0f}'


def render(results: List[Dict[str, Any]], args, machine: str) -> str:
    """The Markdown report: settings, table, notes."""
    notes: List[str] = []

    def note(text: str) -> str:
        if text not in notes:
            notes.append(text)
        return f'[{notes.index(text) + 1}]'

    mem = ('peak GPU memory allocated' if args.device == 'cuda' else
           'peak RSS growth')
    header = [
        'config', 'size (WxH)', 'params', 'trainable', 'mode', 'GFLOPs',
        f'latency (ms, batch {args.batch_size})', 'throughput (img/s)',
        f'infer mem (MiB, {mem})',
        f'train step (ms, batch {args.train_batch_size})',
        'train mem (MiB)'
    ]
    rows = []
    for result in results:
        name = osp.splitext(osp.basename(result['config']))[0]
        if 'error' in result:
            ref = note(f'{name}: not measured: {result["error"]}')
            for width, height in args.sizes:
                rows.append([name, f'{width}x{height}'] +
                            [f'error {ref}'] * (len(header) - 2))
            continue
        for index, row in enumerate(result['sizes']):
            width, height = row['size']
            flops = row['flops']
            if 'error' in flops:
                gflops = 'n/a ' + note(
                    f'{name}: FLOPs at {width}x{height} not counted: '
                    f'{flops["error"]}')
            else:
                gflops = f'{flops["flops"] / 1e9:.1f}'
                if flops['skipped']:
                    gflops += ' ' + note(
                        f'{name}: operators without a FLOP counter (not '
                        f'counted): {", ".join(flops["skipped"])}')
            mode = row['mode']
            if mode == 'predict' and result.get('fallback'):
                mode += ' ' + note(f'{name}: mode=\'tensor\' failed '
                                   f'({result["fallback"]}); timed '
                                   'model.predict instead')
            if 'infer_error' in row:
                ref = note(f'{name}: inference at {width}x{height} failed: '
                           f'{row["infer_error"]}')
                latency = throughput = infer_mem = f'n/a {ref}'
            else:
                latency = f'{1e3 * row["latency"]:.1f}'
                throughput = f'{row["throughput"]:.2f}'
                infer_mem = _fmt_mib(row['infer_peak'])
            if index != 0 or args.no_train:
                train = train_mem = '-'
            elif 'train_error' in row:
                ref = note(f'{name}: training step at {width}x{height} '
                           f'failed: {row["train_error"]}')
                train = train_mem = f'n/a {ref}'
            else:
                train = f'{1e3 * row["train"]:.1f}'
                train_mem = _fmt_mib(row['train_peak'])
            rows.append([
                name, f'{width}x{height}',
                _fmt_int(result['params']),
                _fmt_int(result['trainable']), mode, gflops, latency,
                throughput, infer_mem, train, train_mem
            ])
    lines = [
        '# Benchmark', '', f'Machine: {machine}', '',
        f'Settings: device {args.device}, inference batch {args.batch_size}, '
        f'training batch {args.train_batch_size}, {args.warmup} warm-up + '
        f'{args.repeat} timed calls (median), random weights, inputs '
        'already normalised (no data preprocessor).', '',
        '| ' + ' | '.join(header) + ' |',
        '|' + '|'.join('---' if h in ('config', 'size (WxH)', 'mode') else
                       '---:' for h in header) + '|'
    ]
    lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
    lines += [
        '', 'How the numbers are measured: params = sum(p.numel()) (exact); '
        'GFLOPs: mmengine FlopAnalyzer on the timed forward at batch 1, one '
        'multiply-add = one FLOP (convolutions, matrix products incl. '
        'attention, norms, interpolation; element-wise, pooling, softmax and '
        'reductions count 0, other uncounted operators are in the notes); '
        'mode tensor = model(x, mode=\'tensor\') (logits at the head\'s '
        'resolution), predict = model.predict (logits '
        'resized to the input, argmax); latency = median wall time of one '
        'batch under torch.inference_mode(); throughput = batch / latency; '
        'train step = forward(mode=\'loss\') + backward + SGD step on random '
        'labels (incl. 255), first size only.'
    ]
    if args.device == 'cuda':
        lines.append('Memory: torch.cuda.max_memory_allocated during the '
                     'warm-up calls (includes the weights).')
    else:
        lines.append(
            'Memory: growth of the process\'s resident set size (RSS) during '
            'the warm-up calls above its value before them (sampled every '
            '2 ms and ru_maxrss; excludes the weights). Approximate: the '
            'allocator may reuse memory it kept, short peaks can be missed.')
    if notes:
        lines += [''] + [f'[{i + 1}] {text}' for i, text in enumerate(notes)]
    return '\n'.join(lines) + '\n'


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args._single:
        with open(args._single) as f:
            spec = json.load(f)
        result = run_single(spec)
        with open(spec['result'], 'w') as f:
            json.dump(result, f)
        return result

    if not args.configs:
        parser.error('give at least one CONFIG')
    missing = [c for c in args.configs if not osp.isfile(c)]
    if missing:
        parser.error('config file(s) not found: ' + ', '.join(missing))
    if args.device == 'cuda':
        import torch
        if not torch.cuda.is_available():
            parser.error('--device cuda, but torch.cuda.is_available() is '
                         'False')

    from mmengine.utils import ProgressBar
    spec_base = dict(
        sizes=[list(s) for s in args.sizes],
        batch_size=args.batch_size,
        train_batch_size=args.train_batch_size,
        repeat=args.repeat,
        warmup=args.warmup,
        device=args.device,
        threads=args.threads,
        infer_mode=args.infer_mode,
        no_train=args.no_train,
        cfg_options=args.cfg_options)
    results = []
    bar = ProgressBar(len(args.configs) * len(args.sizes))
    with tempfile.TemporaryDirectory(prefix='benchmark_') as tmp_dir:
        for index, config in enumerate(args.configs):
            spec = dict(spec_base, config=config)
            try:
                results.append(run_child(spec, tmp_dir, index, bar))
            except KeyboardInterrupt:
                raise
            except Exception as error:  # e.g. the child could not start
                traceback.print_exc()
                results.append(dict(config=config, error=short_error(error)))
    sys.stdout.write('\n')
    machine = next((r['machine'] for r in results if 'machine' in r), None)
    if machine is None:
        machine = machine_line(args.device, args.threads)
    report = render(results, args, machine)
    print(report)
    out_dir = osp.dirname(osp.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    with open(args.out, 'w') as f:
        f.write(report)
    print(f'written to {args.out}')
    return dict(results=results, report=report, out=args.out,
                failed=[r['config'] for r in results if 'error' in r])


if __name__ == '__main__':
    outcome = main()
    if isinstance(outcome, dict) and outcome.get('failed'):
        sys.exit(1)
