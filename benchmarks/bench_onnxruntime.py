"""Eager PyTorch vs onnxruntime on the CPU: latency, peak memory, agreement.

    python benchmarks/bench_onnxruntime.py [--configs CFG ...]
        [--sizes 1920x1208 512x512] [--reps 3] [--threads 2]
        [--work-dir work_dirs/benchmarks/onnxruntime] [--profile]

For every config and size: the model is built with seeded random weights
(no trained checkpoint is needed for latency; its BN layers keep PyTorch's
initial running statistics), saved as a checkpoint and exported with
``a2d2_mmseg.deployment.export_onnx`` at that fixed input size (the deployed
default: static H and W). Each backend then runs in its own process
(``benchmarks/_onnxruntime_worker.py``), both loaded side by side:

* PyTorch: mmseg's predict path, ``model.test_step`` on the uint8 frame
  (data preprocessor, model, logits resized to the frame, argmax);
* onnxruntime: the exported graph (the same path, one graph), CPU provider,
  all graph optimisations; its process never imports torch.

Both get ``--threads`` intra-op threads. One warm-up call each, then
``--reps`` rounds that alternate the order (A B, B A, A B, ...); the table
gives the median latency, each process's peak RSS (``VmHWM``: imports,
weights and the largest activations) and the share of pixels where the two
class maps agree. ``--profile`` adds, per run, the operator types that took
the most time in one call of each backend.

The size is the model input (as ``tools/analysis/benchmark.py
--infer-mode predict``): a 1920x1208 frame is predicted at full resolution
here, while the A2D2 configs' test pipeline would first resize it to
960x604. Latencies are wall-clock on a machine that may be shared: compare
the two backends of one row, measured alternately, rather than rows of
different runs.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, List, Tuple

import numpy as np

from _common import machine

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


class Worker:
    """A backend process driven over its stdin/stdout (one JSON line per
    command; other lines it prints, e.g. library warnings, are skipped)."""

    def __init__(self, args: List[str], threads: int, log: str) -> None:
        env = dict(os.environ, OMP_NUM_THREADS=str(threads),
                   MKL_NUM_THREADS=str(threads))
        self.log = open(log, 'w')
        self.proc = subprocess.Popen([sys.executable, WORKER] + args,
                                     stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=self.log,
                                     text=True,
                                     env=env,
                                     cwd=ROOT)
        self.ready = self._reply()

    def _reply(self) -> dict:
        for line in self.proc.stdout:
            line = line.strip()
            if line.startswith('{'):
                reply = json.loads(line)
                if 'error' in reply:
                    raise RuntimeError(reply['error'])
                return reply
        raise RuntimeError(f'worker exited ({self.proc.wait()}); see '
                           f'{self.log.name}')

    def call(self, command: str) -> dict:
        self.proc.stdin.write(command + '\n')
        self.proc.stdin.flush()
        return self._reply()

    def close(self) -> dict:
        reply = self.call('quit')
        self.proc.wait(timeout=60)
        self.log.close()
        return reply


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
        torch=Worker(['torch', config, files['checkpoint'], frame_file,
                      threads], args.threads,
                     osp.join(out_dir, 'torch.log')),
        onnxruntime=Worker(['onnxruntime', files['onnx'], frame_file,
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
        peaks = {b: w.close()['maxrss_mib'] for b, w in workers.items()}
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
    lines = [
        f'{machine()}, onnxruntime {_ort_version()}; {args.threads} '
        f'threads per backend, median of {args.reps} alternating runs '
        'after 1 warm-up each, batch 1, random weights', '',
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


def _ort_version() -> str:
    import onnxruntime
    return onnxruntime.__version__


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
