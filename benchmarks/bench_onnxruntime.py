"""Eager PyTorch vs onnxruntime on the CPU: latency, peak memory, agreement.

    python benchmarks/bench_onnxruntime.py [--configs CFG ...]
        [--sizes 1920x1208 512x512] [--reps 3] [--threads 2]
        [--work-dir work_dirs/benchmarks/onnxruntime] [--profile]

Per config and model input size: a seeded random-weight checkpoint and its
static ONNX export; each backend in its own process
(``_onnxruntime_worker.py``), one warm-up call each, then ``--reps``
alternating rounds. Prints a table of median latency, peak RSS and the
share of agreeing pixels (docs/benchmarks.md, section 8).
"""
import argparse
import os
import os.path as osp
import sys
import time
from typing import Dict, List, Tuple

import numpy as np

from a2d2_mmseg.study.timing import LineWorker, machine_line, thread_env

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
WORKER = osp.join(ROOT, 'benchmarks', '_onnxruntime_worker.py')
DEFAULT_CONFIGS = [
    'configs/unet_r50_a2d2.py', 'configs/deeplabv3_r50_a2d2.py',
    'configs/mask2former-lite_r50_a2d2.py'
]
BACKENDS = ('torch', 'onnxruntime')


def parse_size(text: str) -> Tuple[int, int]:
    """'WxH' -> (height, width)."""
    width, height = (int(v) for v in text.lower().split('x'))
    return height, width


def worker(args: List[str], threads: int, log: str) -> LineWorker:
    """A backend process (``_onnxruntime_worker.py ARGS``)."""
    return LineWorker([sys.executable, WORKER] + args, log,
                      thread_env(threads), ROOT)


def export(config: str, size: Tuple[int, int], out_dir: str,
           seed: int = 0) -> Dict[str, str]:
    """Random-init checkpoint and static ONNX export of ``config``."""
    import torch

    from a2d2_mmseg.deployment import (build_segmentor, export_onnx,
                                       load_config)
    torch.manual_seed(seed)
    model = build_segmentor(load_config(config))
    name = osp.splitext(osp.basename(config))[0]
    ckpt = osp.join(out_dir, f'{name}.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    onnx_file = osp.join(out_dir, f'{name}_{size[1]}x{size[0]}.onnx')
    start = time.perf_counter()
    export_onnx(model, onnx_file, size, dynamic=False)
    return dict(checkpoint=ckpt, onnx=onnx_file,
                export_s=time.perf_counter() - start)


def measure(config: str, size: Tuple[int, int], args) -> dict:
    """One row: export, then alternate the two backends."""
    from a2d2_mmseg.deployment import synthetic_frame
    name = osp.splitext(osp.basename(config))[0]
    out_dir = osp.join(args.work_dir, f'{name}_{size[1]}x{size[0]}')
    os.makedirs(out_dir, exist_ok=True)
    files = export(config, size, out_dir)
    frame_file = osp.join(out_dir, 'frame.npy')
    np.save(frame_file, synthetic_frame(size))
    threads = str(args.threads)
    workers = dict(
        torch=worker(['torch', config, files['checkpoint'], frame_file,
                      threads], args.threads,
                     osp.join(out_dir, 'torch.log')),
        onnxruntime=worker(['onnxruntime', files['onnx'], frame_file,
                            threads], args.threads,
                           osp.join(out_dir, 'onnxruntime.log')))
    times: Dict[str, List[float]] = {b: [] for b in BACKENDS}
    try:
        for backend in BACKENDS:  # warm-up
            workers[backend].call('run')
        for rep in range(args.reps):
            order = BACKENDS if rep % 2 == 0 else BACKENDS[::-1]
            for backend in order:
                times[backend].append(workers[backend].call('run')['ms'])
        maps = []
        for backend in BACKENDS:
            path = osp.join(out_dir, f'{backend}.npy')
            workers[backend].call(f'save {path}')
            maps.append(np.load(path))
        profiles = {
            b: workers[b].call('profile')['ops'] for b in BACKENDS
        } if args.profile else {}
    finally:
        peaks = {
            b: w.close(answered=True)['maxrss_mib']
            for b, w in workers.items()
        }
    return dict(
        config=name,
        size=size,
        ms={b: float(np.median(t)) for b, t in times.items()},
        runs=times,
        maxrss=peaks,
        agreement=float(np.mean(maps[0] == maps[1])),
        export_s=files['export_s'],
        profiles=profiles)


def render(rows: List[dict], args) -> str:
    import onnxruntime
    lines = [
        f'{machine_line()}, onnxruntime {onnxruntime.__version__}; '
        f'{args.threads} threads per backend, median of {args.reps} '
        'alternating runs after 1 warm-up each, batch 1, random weights',
        '',
        '| config | size (WxH) | PyTorch (ms) | onnxruntime (ms) | speed-up '
        '| PyTorch peak RSS (MiB) | onnxruntime peak RSS (MiB) '
        '| argmax agreement |', '|---|---|---:|---:|---:|---:|---:|---:|'
    ]
    for r in rows:
        torch_ms, ort_ms = r['ms']['torch'], r['ms']['onnxruntime']
        lines.append(
            f"| {r['config']} | {r['size'][1]}x{r['size'][0]} | "
            f'{torch_ms:.0f} | {ort_ms:.0f} | {torch_ms / ort_ms:.2f}x | '
            f"{r['maxrss']['torch']:.0f} | {r['maxrss']['onnxruntime']:.0f}"
            f" | {100 * r['agreement']:.3f} % |")
    lines.append('')
    lines.append('runs (ms, in order): ' + '; '.join(
        f"{r['config']} {r['size'][1]}x{r['size'][0]}: PyTorch "
        f"{[round(t) for t in r['runs']['torch']]}, onnxruntime "
        f"{[round(t) for t in r['runs']['onnxruntime']]}, export "
        f"{r['export_s']:.0f} s" for r in rows))
    for r in rows:
        for backend, ops in r['profiles'].items():
            total = sum(ms for _, ms in ops) or 1.0
            top = ', '.join(f'{op} {ms:.0f} ms ({100 * ms / total:.0f} %)'
                            for op, ms in ops[:6])
            lines.append(f"profile {r['config']} {r['size'][1]}x"
                         f"{r['size'][0]} {backend}: {top}")
    return '\n'.join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--configs', nargs='+', default=DEFAULT_CONFIGS)
    parser.add_argument('--sizes', nargs='+', type=parse_size,
                        default=[(1208, 1920), (512, 512)],
                        help='model input sizes, WxH')
    parser.add_argument('--reps', type=int, default=3)
    parser.add_argument('--threads', type=int, default=os.cpu_count())
    parser.add_argument('--work-dir',
                        default='work_dirs/benchmarks/onnxruntime')
    parser.add_argument('--profile', action='store_true',
                        help='also print the costliest operator types')
    args = parser.parse_args(argv)
    if args.reps < 1 or args.threads < 1:
        raise SystemExit('error: --reps and --threads must be >= 1')
    rows = []
    for config in args.configs:
        for size in args.sizes:
            rows.append(measure(config, size, args))
            print(f"{rows[-1]['config']} {size[1]}x{size[0]}: "
                  f"{rows[-1]['ms']}", flush=True)
    print(render(rows, args))


if __name__ == '__main__':
    main()
