"""Benchmark: the A2D2 training pipeline vs. decoding the two PNGs, and
whether a 2-worker DataLoader keeps up with training.

Targets: ``A2D2Dataset.__getitem__`` with the training pipeline of
``configs/_base_/datasets/a2d2.py`` costs per frame <= 1.3x the bare decode
of the frame's two PNGs; its DataLoader (2 workers, batch 2) delivers >= 2
frames per training step of ``--step-s`` seconds (docs/benchmarks.md,
section 2).

Prints the machine, mean times per frame (with a per-transform breakdown)
and the ratios.
"""
import argparse
import os.path as osp
import shutil
import tempfile
import time
from collections import defaultdict

import cv2
import numpy as np

from _common import ROOT, make_tree, read_pngs
from a2d2_mmseg.study.timing import (OPENMMLAB, call_times, machine_line,
                                     table, target)

BATCH = 2


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--frames', type=int, default=8)
    parser.add_argument('--repeat', type=int, default=6,
                        help='passes over the frames for per-frame times')
    parser.add_argument('--batches', type=int, default=12,
                        help='timed DataLoader batches (after 2 warm-up)')
    parser.add_argument('--step-s', type=float, default=11.8,
                        help='seconds of one 512x512 batch-2 training step, '
                        'which the loader must keep up with')
    args = parser.parse_args()
    cv2.setNumThreads(1)

    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmseg.registry import DATASETS

    import a2d2_mmseg.datasets  # noqa: F401  (A2D2Dataset, transforms)
    from a2d2_mmseg.study.benchmark_worker import loader_throughput
    init_default_scope('mmseg')
    print(f"machine: {machine_line(libraries=('numpy', 'cv2') + OPENMMLAB)}")

    cfg = Config.fromfile(osp.join(ROOT, 'configs', '_base_', 'datasets',
                                   'a2d2.py'))
    work = tempfile.mkdtemp(prefix='a2d2_bench_pipe_')
    try:
        raw = make_tree(osp.join(work, 'raw'), args.frames)
        ds_cfg = cfg.train_dataloader.dataset.copy()
        ds_cfg.update(data_root=raw, scenes=None)
        dataset = DATASETS.build(ds_cfg)
        infos = [dataset.get_data_info(i) for i in range(len(dataset))]

        # (1) bare decode of both PNGs, read from disk; (2) dataset[i];
        # (3) each transform, timed one by one on the frames.
        bare = call_times(read_pngs, args.repeat, warmup=1, args=[
            (info['img_path'], info['seg_map_path']) for info in infos])
        full = call_times(dataset.__getitem__, args.repeat, warmup=1,
                          args=[(i, ) for i in range(len(dataset))])
        per = defaultdict(list)
        transforms = dataset.pipeline.transforms
        for _ in range(args.repeat):
            for i in range(len(dataset)):
                results = dataset.get_data_info(i)
                for tr in transforms:
                    start = time.perf_counter()
                    results = tr(results)
                    per[type(tr).__name__].append(time.perf_counter() -
                                                  start)
        bare_ms = 1e3 * float(np.mean(bare))
        full_ms = 1e3 * float(np.mean(full))
        print(f'bare decode (read + imdecode camera and label PNG): mean '
              f'{bare_ms:.1f} ms/frame (median '
              f'{1e3 * np.median(bare):.1f})')
        print(f'training pipeline (dataset[i]):                     mean '
              f'{full_ms:.1f} ms/frame (median '
              f'{1e3 * np.median(full):.1f}, min {1e3 * min(full):.1f}, '
              f'max {1e3 * max(full):.1f})')
        means = {name: 1e3 * float(np.mean(v)) for name, v in per.items()}
        print('per-transform breakdown (mean ms/frame, share of the sum, '
              'vs bare decode):')
        print(table(['transform', 'ms/frame', 'share', 'vs bare decode'], [
            [name, f'{ms:.1f}', f'{100 * ms / sum(means.values()):.1f}%',
             f'{ms / bare_ms:.2f}x'] for name, ms in means.items()]))
        ratio = full_ms / bare_ms
        print(f'pipeline / bare decode: {ratio:.2f}x '
              f'{target(ratio <= 1.3, "<= 1.3")}; largest transform: '
              f'{max(means, key=means.get)}')

        # (4) the DataLoader, 2 workers, batch 2 (after 2 warm-up batches).
        cfg.train_dataloader.update(dataset=ds_cfg, num_workers=2,
                                    persistent_workers=True)
        fps = loader_throughput(cfg, raw, BATCH,
                                args.batches)['frames_per_s']
        need = BATCH / args.step_s
        print(f'DataLoader (2 workers, batch 2): {fps:.2f} frames/s '
              f'({1e3 / fps:.0f} ms/frame; one process at the per-frame '
              f'pipeline cost would give {1e3 / full_ms:.2f} frames/s)')
        print(f'training needs {BATCH} frames per {args.step_s} s step = '
              f'{need:.3f} frames/s: the loader delivers {fps / need:.0f}x '
              f'that (a batch in {BATCH / fps:.2f} s vs a {args.step_s} s '
              f'step) {target(fps >= need, ">= 1x")}')
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
