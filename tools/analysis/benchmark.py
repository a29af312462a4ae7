# Copyright (c) OpenMMLab. All rights reserved.
"""Benchmark segmentation models: size, FLOPs, speed and memory.

    python tools/analysis/benchmark.py CONFIG [CONFIG ...] \\
        [--sizes 512x512 1920x1208] [--batch-size 1] [--train-batch-size 2] \\
        [--repeat 5] [--warmup 1] [--device cpu|cuda] [--threads N] \\
        [--infer-mode auto|tensor|predict] [--no-train] [--amp] \\
        [--loader-data DATA_ROOT [--loader-batches 10]] \\
        [-o work_dirs/benchmark.md] [--cfg-options k=v ...]

Sizes are ``WIDTHxHEIGHT`` (A2D2 frames are 1920x1208: input tensors are
``[B, 3, 1208, 1920]``). The models are built with random weights (nothing
is downloaded), SyncBN turned into BN, inputs already normalised random
tensors (no data preprocessor); each config is measured in a fresh Python
process, one after the other. Per config and size: exact parameter counts,
GFLOPs at batch 1 (mmengine's ``FlopAnalyzer``, one multiply-add = one FLOP,
attention included; uncounted operators in the notes, ``n/a`` with the
reason when tracing fails), latency (median of ``--repeat`` calls after
``--warmup``; ``--infer-mode``: ``tensor`` = ``model(x, mode='tensor')``,
``predict`` = ``model.predict``, ``auto`` = tensor falling back to predict),
throughput, a training step at the first size (random labels, SGD) and peak
memory (CUDA: ``max_memory_allocated``; CPU: RSS growth, approximate).
``--amp`` adds the training step under automatic mixed precision, and
``--loader-data`` the frames/s of each config's ``train_dataloader`` on that
data root with the config's workers, set against the training step's
images/s (``benchmarks/gpu_check.sh`` runs both on the seed study's models).
The details are in ``a2d2_mmseg/study/benchmark_*.py``.

Prints a progress bar over configs x sizes, then one Markdown table (one
row per config and size) with the machine, the settings and the notes, and
writes it to ``-o``. Exit status 1 when a config could not be measured at
all (its rows say why), 2 for bad arguments (a missing config, a bad size,
``--device cuda`` without CUDA).
"""
import argparse
import dataclasses
import os
import os.path as osp
import re
import sys
from typing import Any, Dict, Optional, Sequence, Tuple

from mmengine.config import DictAction

from a2d2_mmseg.study import (BenchmarkSettings, machine_line, render,
                                 run_benchmark)


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
    parser.add_argument('--amp', action='store_true',
                        help='also time the training step under automatic '
                        'mixed precision (float16 + GradScaler on CUDA, '
                        'bfloat16 on the CPU)')
    parser.add_argument('--loader-data', metavar='DATA_ROOT',
                        help="time each config's train_dataloader (its "
                        'workers, batch --train-batch-size) on this '
                        'data_root, next to the training step')
    parser.add_argument('--loader-batches', type=positive_int, default=10,
                        help='timed loader batches (after 2 warm-up)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings (key=value), applied '
                        'to every config')
    # what the tool's child processes were once started with; kept so that
    # older scripts that ran one job through this file still work
    parser.add_argument('--_single', help=argparse.SUPPRESS)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args._single:
        from a2d2_mmseg.study import benchmark_worker
        return benchmark_worker.main(args._single)
    if not args.configs:
        parser.error('give at least one CONFIG')
    if args.loader_data and not osp.isdir(args.loader_data):
        parser.error(f'--loader-data: no such folder: {args.loader_data}')
    missing = [c for c in args.configs if not osp.isfile(c)]
    if missing:
        parser.error('config file(s) not found: ' + ', '.join(missing))
    if args.device == 'cuda':
        import torch
        if not torch.cuda.is_available():
            parser.error('--device cuda, but torch.cuda.is_available() is '
                         'False')
    # Each setting is the flag of the same name.
    settings = BenchmarkSettings(**{
        f.name: getattr(args, f.name)
        for f in dataclasses.fields(BenchmarkSettings)
    })
    results = run_benchmark(args.configs, settings)
    machine = next((r['machine'] for r in results if 'machine' in r), None)
    if machine is None:
        machine = machine_line(args.device, args.threads)
    report = render(results, settings, machine)
    print(report)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w') as f:
        f.write(report)
    print(f'written to {args.out}')
    return dict(results=results, report=report, out=args.out,
                failed=[r['config'] for r in results if 'error' in r])


if __name__ == '__main__':
    outcome = main()
    if isinstance(outcome, dict) and outcome.get('failed'):
        sys.exit(1)
