"""Eager PyTorch vs onnxruntime on the CPU: latency, peak memory, agreement.

Per config and model input size: a seeded random-weight checkpoint and its
static ONNX export; each backend in its own worker process (this script
with ``--_worker``; the onnxruntime side never imports torch), one warm-up
call each, then ``--reps`` alternating rounds. Prints a table of median
latency, peak RSS and the share of agreeing pixels (docs/benchmarks.md,
section 8).
"""
import argparse
import json
import os
import os.path as osp
import sys
import time
from typing import Dict, List, Tuple

import numpy as np

from a2d2_mmseg.study.timing import (LineWorker, machine_line, serve, table,
                                     thread_env, torch_profile)

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEFAULT_CONFIGS = [
    'configs/unet_r50_a2d2.py', 'configs/deeplabv3_r50_a2d2.py',
    'configs/mask2former-lite_r50_a2d2.py'
]
BACKENDS = ('torch', 'onnxruntime')


def parse_size(text: str) -> Tuple[int, int]:
    """'WxH' -> (height, width)."""
    width, height = (int(v) for v in text.lower().split('x'))
    return height, width


def torch_predictor(spec: dict, frame: np.ndarray):
    """``predict()`` (the class map) and ``profile()`` of the checkpoint."""
    import torch
    from mmseg.structures import SegDataSample

    from a2d2_mmseg.deployment import (build_segmentor,
                                       load_checkpoint_strict, load_config)
    torch.set_num_threads(spec['threads'])
    model = build_segmentor(load_config(spec['config']))
    load_checkpoint_strict(model, spec['checkpoint'])
    height, width = frame.shape[:2]
    image = torch.from_numpy(np.ascontiguousarray(frame.transpose(2, 0, 1)))

    def predict() -> np.ndarray:
        sample = SegDataSample(
            metainfo=dict(
                img_shape=(height, width), ori_shape=(height, width)))
        with torch.no_grad():
            out = model.test_step(dict(inputs=[image],
                                       data_samples=[sample]))[0]
        return out.pred_sem_seg.data[0].numpy().astype(np.uint8)

    return predict, lambda: torch_profile(predict)


def ort_predictor(spec: dict, frame: np.ndarray):
    """``predict()`` (the class map) and ``profile()`` of the ONNX file."""
    import onnxruntime as ort

    def new_session(profiling: bool = False):
        options = ort.SessionOptions()
        options.graph_optimization_level = \
            ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = spec['threads']
        options.enable_profiling = profiling
        options.profile_file_prefix = osp.join(
            osp.dirname(spec['frame']), 'onnxruntime_profile')
        return ort.InferenceSession(
            spec['onnx'], options, providers=['CPUExecutionProvider'])

    session = new_session()
    feeds = dict(
        image=np.ascontiguousarray(frame.transpose(2, 0, 1))[None],
        out_size=np.array(frame.shape[:2], dtype=np.int64))
    output = session.get_outputs()[0].name

    def predict() -> np.ndarray:
        return session.run([output], feeds)[0][0]

    def profile() -> list:
        profiled = new_session(profiling=True)
        profiled.run([output], feeds)  # first run: allocations, prepacking
        profiled.run([output], feeds)
        with open(profiled.end_profiling()) as f:
            events = json.load(f)
        runs = [e for e in events if e.get('name') == 'model_run']
        last_start = runs[-1]['ts'] if runs else 0
        ops: dict = {}
        for e in events:
            if e.get('cat') == 'Node' and e['name'].endswith('_kernel_time') \
                    and e['ts'] >= last_start:
                op = e.get('args', {}).get('op_name', '?')
                ms, count = ops.get(op, (0.0, 0))
                ops[op] = (ms + e['dur'] / 1000, count + 1)
        return sorted(((op, *v) for op, v in ops.items()),
                      key=lambda o: -o[1])

    return predict, profile


def worker(spec: dict) -> None:
    """One backend: :func:`~a2d2_mmseg.study.timing.serve` ``run``
    (``{"ms": ...}``), ``save PATH`` (the last class map) and ``profile``
    (``{"ops": [[op type, self ms, calls], ...]}``)."""
    frame = np.load(spec['frame'])
    predictor = torch_predictor if spec['backend'] == 'torch' \
        else ort_predictor
    predict, profile = predictor(spec, frame)
    last = None

    def run(_):
        nonlocal last
        start = time.perf_counter()
        last = predict()
        return dict(ms=1000 * (time.perf_counter() - start))

    def save(path):
        np.save(path, last)
        return dict(saved=path)

    serve(dict(ready=True), dict(run=run, save=save,
                                 profile=lambda _: dict(ops=profile())))


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
    workers = {
        backend: LineWorker([
            sys.executable, osp.abspath(__file__), '--_worker',
            json.dumps(dict(files, backend=backend, config=config,
                            frame=frame_file, threads=args.threads))
        ], osp.join(out_dir, f'{backend}.log'), thread_env(args.threads),
                            ROOT)
        for backend in BACKENDS
    }
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
    header = [
        'config', 'size (WxH)', 'PyTorch (ms)', 'onnxruntime (ms)',
        'speed-up', 'PyTorch peak RSS (MiB)', 'onnxruntime peak RSS (MiB)',
        'argmax agreement'
    ]
    cells = []
    for r in rows:
        torch_ms, ort_ms = r['ms']['torch'], r['ms']['onnxruntime']
        r['name'] = f"{r['config']} {r['size'][1]}x{r['size'][0]}"
        cells.append([
            r['config'], f"{r['size'][1]}x{r['size'][0]}", f'{torch_ms:.0f}',
            f'{ort_ms:.0f}', f'{torch_ms / ort_ms:.2f}x',
            f"{r['maxrss']['torch']:.0f}",
            f"{r['maxrss']['onnxruntime']:.0f}",
            f"{100 * r['agreement']:.3f} %"
        ])
    lines = [
        f'{machine_line()}, onnxruntime {onnxruntime.__version__}; '
        f'{args.threads} threads per backend, median of {args.reps} '
        'alternating runs after 1 warm-up each, batch 1, random weights', '',
        table(header, cells, left=('size (WxH)', )), '',
        'runs (ms, in order): ' + '; '.join(
            f"{r['name']}: PyTorch {[round(t) for t in r['runs']['torch']]}, "
            f"onnxruntime {[round(t) for t in r['runs']['onnxruntime']]}, "
            f"export {r['export_s']:.0f} s" for r in rows)
    ]
    for r in rows:
        for backend, ops in r['profiles'].items():
            total = sum(op[1] for op in ops) or 1.0
            top = ', '.join(f'{op} {ms:.0f} ms ({100 * ms / total:.0f} %)'
                            for op, ms, _ in ops[:6])
            lines.append(f"profile {r['name']} {backend}: {top}")
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
    parser.add_argument('--_worker', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args._worker:
        return worker(json.loads(args._worker))
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
