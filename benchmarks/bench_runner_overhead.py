"""Benchmark: MMEngine's training iteration vs. the bare model step.

Target: the Runner's training iteration (IterBasedTrainLoop, OptimWrapper,
hooks, message hub, LR scheduler) costs <= 1.10x the bare model step on the
same batch (docs/benchmarks.md, section 5).

    python benchmarks/bench_runner_overhead.py [--size 128] [--iters 8] \
        [--warmup 2] [--rounds 2]

DeepLabV3-R50-D16 (configs/deeplabv3_r50_a2d2.py, random weights, BN) on
one packed batch of a real frame: bare passes (data preprocessor, loss,
backward, SGD) alternate with ``--rounds`` Runner runs, timed by wall clock
from the first timed iteration to the end of the last. Prints the machine,
the times and the ratio.
"""
import argparse
import copy
import os.path as osp
import shutil
import tempfile
import time

import cv2
import numpy as np

from _common import REAL_FRAMES, ROOT, sample_paths
from a2d2_mmseg.study.timing import call_times, machine_line

CAM, LBL = sample_paths(*REAL_FRAMES[0])


def packed_sample(size):
    """One PackSegInputs output from the real frame, resized to size."""
    from mmseg.datasets.transforms import PackSegInputs
    from a2d2_mmseg.a2d2.colours import get_mapper
    img = cv2.imread(CAM, cv2.IMREAD_COLOR)
    bgr = cv2.imread(LBL, cv2.IMREAD_UNCHANGED)
    gt, _ = get_mapper('full')(bgr, channel_order='bgr')
    img = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
    gt = cv2.resize(gt, (size, size), interpolation=cv2.INTER_NEAREST)
    results = dict(img=img, gt_seg_map=gt, seg_fields=['gt_seg_map'],
                   img_path=CAM, seg_map_path=LBL, ori_shape=img.shape[:2],
                   img_shape=img.shape[:2], scale_factor=(1.0, 1.0),
                   flip=False, flip_direction=None, reduce_zero_label=False)
    return PackSegInputs()(results)


class FixedDataset:
    """A dataset whose every item is (a copy of) one packed sample."""

    def __init__(self, sample, length=100000):
        self.sample = sample
        self.length = length
        self.metainfo = {}

    def __len__(self):
        return self.length

    def __getitem__(self, idx):
        return copy.deepcopy(self.sample)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', type=int, default=128)
    parser.add_argument('--iters', type=int, default=8,
                        help='timed iterations per side')
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--rounds', type=int, default=2,
                        help='runner runs, each between two bare passes')
    args = parser.parse_args()

    import torch
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate
    from mmengine.hooks import Hook
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner
    import a2d2_mmseg.datasets  # noqa: F401  (registers the datasets)
    import a2d2_mmseg.models  # noqa: F401  (registers the models)
    from mmengine.logging import MMLogger
    from a2d2_mmseg.study.benchmark_worker import build_model
    init_default_scope('mmseg')
    MMLogger.get_instance('bench_runner_overhead', log_level='WARNING')
    print(f'machine: {machine_line()}')
    print(f'model: DeepLabV3-R50-D16 (configs/deeplabv3_r50_a2d2.py, '
          f'pretrained=None, BN), {args.size}x{args.size} crops, batch 2; '
          f'{args.warmup} warm-up + {args.iters} timed iterations per side')

    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'deeplabv3_r50_a2d2.py'))
    cfg.model.data_preprocessor.size = (args.size, args.size)
    sample = packed_sample(args.size)
    batch = pseudo_collate([copy.deepcopy(sample), copy.deepcopy(sample)])

    # (a) bare loop (build_model: random weights, SyncBN -> BN).
    torch.manual_seed(0)
    model = build_model(cfg, 'cpu')
    model.init_weights()
    opt_cfg = dict(cfg.optim_wrapper.optimizer)
    opt_cfg.pop('type')
    optimizer = torch.optim.SGD(model.parameters(), **opt_cfg)

    def bare_step():
        model.train()
        data = model.data_preprocessor(batch, True)
        losses = model(**data, mode='loss')
        loss, _ = model.parse_losses(losses)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

    # (b) the Runner.
    class WallTimer(Hook):
        priority = 'HIGHEST'

        def __init__(self, warmup):
            self.warmup = warmup
            self.t0 = self.t1 = None

        def after_train_iter(self, runner, batch_idx, data_batch=None,
                             outputs=None):
            self.t1 = time.perf_counter()

    # The wall clock starts at the end of the last warm-up iteration (after
    # every other hook), so the first timed iteration's data fetch counts.
    class EndOfWarmup(Hook):
        priority = 'LOWEST'

        def __init__(self, timer):
            self.timer = timer

        def after_train_iter(self, runner, batch_idx, data_batch=None,
                             outputs=None):
            if runner.iter + 1 == self.timer.warmup:
                self.timer.t0 = time.perf_counter()

    def time_runner(r):
        timer = WallTimer(args.warmup)
        work = tempfile.mkdtemp(prefix='a2d2_bench_runner_')
        total = args.warmup + args.iters
        try:
            loader = torch.utils.data.DataLoader(
                FixedDataset(sample), batch_size=2, num_workers=0,
                collate_fn=pseudo_collate, shuffle=False)
            default_hooks = copy.deepcopy(cfg.default_hooks.to_dict())
            default_hooks['logger'] = dict(type='LoggerHook',
                                           interval=10 * total)
            default_hooks['checkpoint'] = dict(
                type='CheckpointHook', interval=10 * total, by_epoch=False,
                save_last=False)
            torch.manual_seed(0)
            runner = Runner(
                model=build_model(cfg, 'cpu'),
                work_dir=work,
                experiment_name=f'bench_runner_overhead_{r}',
                train_dataloader=loader,
                train_cfg=dict(type='IterBasedTrainLoop', max_iters=total,
                               val_interval=10 * total),
                optim_wrapper=cfg.optim_wrapper.to_dict(),
                param_scheduler=[dict(type='PolyLR', eta_min=1e-4,
                                      power=0.9, begin=0, end=total,
                                      by_epoch=False)],
                default_hooks=default_hooks,
                custom_hooks=[timer, EndOfWarmup(timer)],
                env_cfg=dict(cudnn_benchmark=False,
                             mp_cfg=dict(mp_start_method='fork',
                                         opencv_num_threads=0),
                             dist_cfg=dict(backend='nccl')),
                log_processor=dict(by_epoch=False),
                log_level='WARNING',
                default_scope='mmseg',
                randomness=dict(seed=0))
            runner.train()
            hub = runner.message_hub
            times = np.asarray(hub.get_scalar('train/time').data[0])
            data_times = np.asarray(
                hub.get_scalar('train/data_time').data[0])
        finally:
            shutil.rmtree(work, ignore_errors=True)
        wall = (timer.t1 - timer.t0) / args.iters
        hook = float(np.mean((times - data_times)[-args.iters:]))
        return wall, hook, float(np.mean(data_times[-args.iters:]))

    # Alternate: bare, runner, bare, runner, ..., bare.
    bare, passes, walls, hooks, datas = [], [], [], [], []
    for r in range(args.rounds + 1):
        times = call_times(bare_step, args.iters, warmup=args.warmup)
        bare += times
        passes.append(np.median(times))
        if r == args.rounds:
            print(f'final bare pass: median {1e3 * passes[-1]:.0f} ms')
            break
        wall, hook, data = time_runner(r)
        walls.append(wall)
        hooks.append(hook)
        datas.append(data)
        print(f'round {r}: bare median {1e3 * passes[-1]:.0f} ms, runner '
              f'{1e3 * wall:.0f} ms per iteration')

    bare_ms = 1e3 * float(np.median(bare))
    runner_ms = 1e3 * float(np.median(walls))
    hook_ms = 1e3 * float(np.median(hooks))
    data_ms = 1e3 * float(np.median(datas))
    print(f'(a) bare step: median {bare_ms:.0f} ms per iteration '
          f'({len(bare)} timed in {len(passes)} passes; pass medians '
          + ', '.join(f'{1e3 * p:.0f}' for p in passes) + ' ms)')
    print(f"(b) runner: median {runner_ms:.0f} ms per iteration over "
          f"{len(walls)} runs (wall, all inclusive); IterTimerHook 'time' - "
          f"'data_time' = {hook_ms:.0f} ms, 'data_time' {data_ms:.1f} ms")
    ratio = runner_ms / bare_ms
    print(f'runner / bare (wall per iteration, medians): {ratio:.3f}x '
          f"(target <= 1.10: {'met' if ratio <= 1.10 else 'NOT met'}); "
          f'IterTimerHook-based: {hook_ms / bare_ms:.3f}x; spread of the '
          f'bare pass medians: {1e3 * (max(passes) - min(passes)):.0f} ms '
          f'({100 * (max(passes) - min(passes)) / np.median(bare):.0f} %)')


if __name__ == '__main__':
    main()
