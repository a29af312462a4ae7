"""Benchmark: the dataset converter's worker scaling and per-frame cost.

Targets, on 1920x1208 frames: ``convert(..., nproc=2)`` has >= 1.8x the
throughput of ``nproc=1`` on >= 200 frames; per frame the converter costs
<= 1.5x a cv2 baseline doing the same pixel work (:func:`by_hand`)
(docs/benchmarks.md, section 3).

1- and 2-worker runs alternate ``--rounds`` times (medians); ``--big``
frames split a run's time into a fixed and a per-frame part. Also timed:
starting the workers alone and hashing the sources vs. decoding them.
Prints the machine, the times and the ratios.
"""
import argparse
import contextlib
import io
import os.path as osp
import shutil
import tempfile
import time

import cv2
import numpy as np

from _common import (REAL_FRAMES, make_tree, median_ms, read_pngs,
                     sample_paths)
from a2d2_mmseg.a2d2 import convert as converter
from a2d2_mmseg.a2d2.colours import get_mapper
from a2d2_mmseg.a2d2.convert.files import digest
from a2d2_mmseg.study.timing import call_times, machine_line, target


def by_hand(cam, lbl, mapper, size):
    """Read, decode, remap, resize and encode one frame with cv2."""
    img, bgr = read_pngs(cam, lbl)
    index, _ = mapper(bgr, channel_order='bgr')
    img = cv2.resize(img, size, interpolation=cv2.INTER_AREA)
    index = cv2.resize(index, size, interpolation=cv2.INTER_NEAREST)
    ok1, a = cv2.imencode('.png', img)
    ok2, b = cv2.imencode('.png', index)
    assert ok1 and ok2
    return len(a) + len(b)


def time_convert(raw, work, nproc, tag):
    """Seconds of one ``convert`` of the tree ``raw`` (output discarded)."""
    out = osp.join(work, f'out_{tag}')
    shutil.rmtree(out, ignore_errors=True)
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        start = time.perf_counter()
        converter.convert(raw, out, size=(512, 512), nproc=nproc,
                          verbose=False)
        elapsed = time.perf_counter() - start
    shutil.rmtree(out, ignore_errors=True)
    return elapsed


def _noop(x):
    return x


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--frames', type=int, default=200)
    parser.add_argument('--big', type=int, default=0,
                        help='frames of a second, larger tree: its runs '
                        'split the time into a fixed part (pool start, '
                        'scan, marker) and a per-frame part (0: skip)')
    parser.add_argument('--rounds', type=int, default=3,
                        help='runs of each of nproc=1 and nproc=2')
    parser.add_argument('--repeat', type=int, default=5,
                        help='repeats of the hand baseline per sample frame')
    args = parser.parse_args()
    cv2.setNumThreads(1)
    print(f"machine: {machine_line(libraries=('numpy', 'cv2', 'torch'))}")
    sizes = [args.frames] + ([args.big] if args.big > args.frames else [])
    work = tempfile.mkdtemp(prefix='a2d2_bench_conv_')
    runs = {}
    try:
        raws = {n: make_tree(osp.join(work, f'raw{n}'), n) for n in sizes}
        mapper = get_mapper('full', osp.join(raws[sizes[0]],
                                             'camera_lidar_semantic',
                                             'class_list.json'))
        # Hand baseline: median per frame over both real frames.
        hand_ms = 1e3 * float(np.median(call_times(
            lambda cam, lbl: by_hand(cam, lbl, mapper, (512, 512)),
            args.repeat, warmup=1,
            args=[sample_paths(*f) for f in REAL_FRAMES])))
        time_convert(raws[sizes[0]], work, 1, 'warmup')  # warm caches
        for r in range(args.rounds):
            for n in sizes:
                for nproc in (1, 2):
                    elapsed = time_convert(raws[n], work, nproc,
                                           f'{n}_{nproc}_{r}')
                    runs.setdefault((n, nproc), []).append(elapsed)
                    print(f'round {r}: {n} frames, nproc={nproc}: '
                          f'{elapsed:.2f} s ({n / elapsed:.2f} frames/s)')
    finally:
        shutil.rmtree(work, ignore_errors=True)
    med = {k: float(np.median(v)) for k, v in runs.items()}
    print(f'hand baseline (read+decode+remap+resize+encode, 1 thread): '
          f'{hand_ms:.1f} ms/frame')
    for n in sizes:
        t1, t2 = med[(n, 1)], med[(n, 2)]
        print(f'{n} frames: nproc=1 median {t1:.2f} s = '
              f'{1e3 * t1 / n:.1f} ms/frame; nproc=2 median {t2:.2f} s = '
              f'{1e3 * t2 / n:.1f} ms/frame; 2-worker / 1-worker '
              f'throughput {t1 / t2:.2f}x')
    for scene, frame in REAL_FRAMES:
        # hashing the sources (the converter's change check) vs decoding
        data = [np.fromfile(path, np.uint8)
                for path in sample_paths(scene, frame)]
        hash_ms = median_ms(lambda: [digest(d) for d in data], args.repeat)
        decode_ms = median_ms(
            lambda: [cv2.imdecode(d, cv2.IMREAD_UNCHANGED) for d in data],
            args.repeat)
        print(f'{scene}/{frame}: BLAKE2b of camera + label PNG '
              f'{hash_ms:.1f} ms, imdecode of both {decode_ms:.1f} ms '
              f'({100 * hash_ms / decode_ms:.1f}%)')
    # Starting and stopping 2 workers on two no-op tasks alone.
    from mmengine.utils import track_parallel_progress
    sink = io.StringIO()
    ours_ms = median_ms(
        lambda: converter.run_tasks(_noop, [0, 1], 2, file=sink), 15)
    pool_ms = median_ms(
        lambda: track_parallel_progress(_noop, [0, 1], 2, file=sink), 15)
    print(f'start + stop of 2 processes alone (2 no-op tasks): '
          f'run_tasks {ours_ms:.1f} ms (ProcessPoolExecutor, 2 forked '
          f'workers), multiprocessing.Pool(2) {pool_ms:.1f} ms')
    n = args.frames
    if len(sizes) == 2:
        a, b = sizes
        for nproc in (1, 2):
            slope = (med[(b, nproc)] - med[(a, nproc)]) / (b - a)
            fixed = med[(a, nproc)] - a * slope
            print(f'nproc={nproc}: fixed part {1e3 * fixed:.0f} ms per run, '
                  f'marginal {1e3 * slope:.1f} ms/frame')
        marg = ((med[(b, 1)] - med[(a, 1)]) /
                (med[(b, 2)] - med[(a, 2)]))
        print(f'marginal (per-frame part only) 2-worker / 1-worker '
              f'throughput: {marg:.2f}x')
    scaling = med[(n, 1)] / med[(n, 2)]
    print(f'2-worker / 1-worker throughput on {n} frames: {scaling:.2f}x '
          f'{target(scaling >= 1.8, ">= 1.8")}')
    per_ratio = 1e3 * med[(n, 1)] / n / hand_ms
    print(f'converter per frame (nproc=1, {n} frames) / hand baseline: '
          f'{per_ratio:.2f}x {target(per_ratio <= 1.5, "<= 1.5")}')


if __name__ == '__main__':
    main()
