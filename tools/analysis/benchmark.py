# Copyright (c) OpenMMLab. All rights reserved.
"""Benchmark segmentation models: size, FLOPs, speed and memory.

    python tools/analysis/benchmark.py CONFIG [CONFIG ...] \\
        [--sizes 512x512 1920x1208] [--batch-size 1] [--train-batch-size 2] \\
        [--repeat 5] [--warmup 1] [--device cpu|cuda] [--threads N] \\
        [--infer-mode auto|tensor|predict] [--no-train] [--amp] \\
        [--loader-data DATA_ROOT [--loader-batches 10]] \\
        [-o work_dirs/benchmark.md] [--cfg-options k=v ...]
    python tools/analysis/benchmark.py --gpu-check [--quick] [CONFIG ...] \\
        [--work-dir work_dirs/gpu_check] [other flags as above]

Each config is measured in a fresh process with random weights and random
normalised inputs: parameters, GFLOPs, latency, throughput, a training step
at the first size and peak memory (how: the report's notes and
``a2d2_mmseg/study/benchmark*.py``).

``--gpu-check`` is the GPU check's preset: the seed study's three configs
(unless CONFIGs are given) on CUDA when torch sees it, at 512x512, batch 2,
``--infer-mode predict --amp``, 20 / 5 timed / warm-up calls on CUDA, 3 / 1
on the CPU, 1 / 0 with ``--quick``, 20 loader batches (3 with
``--quick``) on ``--loader-data`` (default: 8 synthetic 1920x1208 frames
written once to ``--work-dir``), written to ``WORK_DIR/gpu_check.md``. A
config whose class-weighted loss names a missing weight file is measured
through a wrapper config with the weights of the loader's data.

Prints a progress bar, then one Markdown table (machine, settings, notes),
also written to ``-o``. Exit status 1 when a config could not be measured
at all (its rows say why), 2 for bad arguments.
"""
import argparse
import os
import os.path as osp
import sys
from typing import Any, Dict, Optional, Sequence

from a2d2_mmseg.apis.runner import add_cfg_options
from a2d2_mmseg.deployment import frame_size_type
from a2d2_mmseg.study.benchmark import (SEED_CONFIGS, gpu_check_configs,
                                        gpu_check_data, render, run_benchmark)
from a2d2_mmseg.study.timing import machine_line


def _int_at_least(lowest: int):

    def parse(text: str) -> int:
        value = int(text)
        if value < lowest:
            raise argparse.ArgumentTypeError(
                f'must be >= {lowest}, not {value}')
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add = parser.add_argument
    add('configs', nargs='*', metavar='CONFIG',
        help='config files (each measured in its own process)')
    add('--sizes', nargs='+', metavar='WxH',
        type=frame_size_type('--sizes', width_first=True),
        default=[(512, 512), (1920, 1208)],
        help='input sizes, WIDTHxHEIGHT (default: 512x512 1920x1208)')
    add('--batch-size', type=_int_at_least(1), default=1,
        help='inference batch size')
    add('--train-batch-size', type=_int_at_least(1), default=2,
        help='training step batch size (first size only)')
    add('--repeat', type=_int_at_least(1), default=5,
        help='timed calls (median)')
    add('--warmup', type=_int_at_least(0), default=1,
        help='untimed calls before the timed ones')
    add('--device', choices=['cpu', 'cuda'])
    add('--threads', type=_int_at_least(1),
        help="torch CPU threads (default: torch's default)")
    add('--infer-mode', choices=['auto', 'tensor', 'predict'], default='auto',
        help="what the latency times: model(x, mode='tensor'), "
        'model.predict, or tensor falling back to predict (default: auto)')
    add('--no-train', action='store_true', help='skip the training step')
    add('-o', '--out', default='work_dirs/benchmark.md',
        help='Markdown file for the table (default: %(default)s)')
    add('--amp', action='store_true',
        help='also time the training step under automatic mixed precision '
        '(float16 + GradScaler on CUDA, bfloat16 on the CPU)')
    add('--loader-data', metavar='DATA_ROOT',
        help="time each config's train_dataloader (its workers, batch "
        '--train-batch-size) on this data_root, next to the training step')
    add('--loader-batches', type=_int_at_least(1), default=10,
        help='timed loader batches (after 2 warm-up; default: 10)')
    add_cfg_options(parser, 'every config')
    add('--gpu-check', action='store_true',
        help='the GPU check preset (see the module docstring)')
    add('--quick', action='store_true',
        help='--gpu-check: 1 timed call, no warm-up, 3 loader batches')
    add('--work-dir', default='work_dirs/gpu_check',
        help='--gpu-check: synthetic data, wrapper configs, report')
    return parser


def parse_args(argv: Optional[Sequence[str]] = None):
    """The parser and the arguments, ``--gpu-check``'s preset as the
    defaults of the flags not given."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.gpu_check:
        if args.device is None:
            import torch
            args.device = 'cuda' if torch.cuda.is_available() else 'cpu'
        repeat, warmup = ((1, 0) if args.quick else
                          (20, 5) if args.device == 'cuda' else (3, 1))
        parser.set_defaults(
            configs=args.configs or list(SEED_CONFIGS), device=args.device,
            sizes=[(512, 512)], batch_size=2, repeat=repeat, warmup=warmup,
            infer_mode='predict', out=osp.join(args.work_dir, 'gpu_check.md'),
            loader_batches=3 if args.quick else 20, amp=True)
        args = parser.parse_args(argv)
    args.device = args.device or 'cpu'
    return parser, args


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    parser, args = parse_args(argv)
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
    if args.gpu_check:
        args.loader_data = args.loader_data or gpu_check_data(args.work_dir)
        args.configs = gpu_check_configs(args.configs, args.loader_data,
                                         args.work_dir)
        print(f'==> GPU check on {args.device}: '
              f"{' '.join(f'{w}x{h}' for w, h in args.sizes)}, batch "
              f'{args.batch_size}, {args.warmup} warm-up + {args.repeat} '
              f'timed calls, loader {args.loader_batches} batches')
    settings = vars(args)
    results = run_benchmark(args.configs, settings)
    machine = next((r['machine'] for r in results if 'machine' in r), None)
    report = render(results, settings,
                    machine or machine_line(args.device, args.threads))
    print(report)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w') as f:
        f.write(report)
    print(f'written to {args.out}')
    return dict(results=results, report=report, out=args.out,
                failed=[r['config'] for r in results if 'error' in r])


if __name__ == '__main__':
    if main().get('failed'):
        sys.exit(1)
