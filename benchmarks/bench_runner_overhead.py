"""Benchmark: MMEngine's training iteration vs. the bare model step.

Target: the Runner's training iteration (IterBasedTrainLoop, OptimWrapper,
hooks, message hub, LR scheduler) costs <= 1.10x the bare model step on the
same batch (docs/benchmarks.md, section 5).

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

from _common import REAL_FRAMES, ROOT, read_pngs, sample_paths
from a2d2_mmseg.study.timing import (call_times, machine_line, target,
                                     training_step)

CAM, LBL = sample_paths(*REAL_FRAMES[0])


def packed_sample(size):
    """One PackSegInputs output from the real frame, resized to size."""
    from mmseg.datasets.transforms import PackSegInputs

    from a2d2_mmseg.a2d2.colours import get_mapper
    img, label = read_pngs(CAM, LBL)
    gt, _ = get_mapper('full')(label, channel_order='bgr')
    img = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
    gt = cv2.resize(gt, (size, size), interpolation=cv2.INTER_NEAREST)
    return PackSegInputs()(dict(
        img=img, gt_seg_map=gt, seg_fields=['gt_seg_map'], img_path=CAM,
        seg_map_path=LBL, ori_shape=img.shape[:2], img_shape=img.shape[:2],
        scale_factor=(1.0, 1.0), flip=False, flip_direction=None,
        reduce_zero_label=False))


class FixedDataset:
    """A dataset whose every item is (a copy of) one packed sample."""
    metainfo: dict = {}

    def __init__(self, sample, length=100000):
        self.sample, self.length = sample, length

    def __len__(self):
        return self.length

    def __getitem__(self, idx):
        return copy.deepcopy(self.sample)


def time_runner(cfg, sample, args, r):
    """One Runner run: wall seconds per timed iteration, IterTimerHook's
    'time' - 'data_time' and its 'data_time' (means)."""
    import torch
    from mmengine.dataset import pseudo_collate
    from mmengine.hooks import Hook
    from mmengine.runner import Runner

    from a2d2_mmseg.study.benchmark_worker import build_model
    total = args.warmup + args.iters

    class WallTimer(Hook):
        """The wall clock from the end of the last warm-up iteration to
        the end of the last one, after every other hook: the timed
        iterations' data fetches and hooks count."""
        priority = 'LOWEST'

        def after_train_iter(self, runner, batch_idx, data_batch=None,
                             outputs=None):
            if runner.iter + 1 == args.warmup:
                self.t0 = time.perf_counter()
            self.t1 = time.perf_counter()

    timer = WallTimer()
    work = tempfile.mkdtemp(prefix='a2d2_bench_runner_')
    default_hooks = copy.deepcopy(cfg.default_hooks.to_dict())
    default_hooks['logger'] = dict(type='LoggerHook', interval=10 * total)
    default_hooks['checkpoint'] = dict(type='CheckpointHook',
                                       interval=10 * total, by_epoch=False,
                                       save_last=False)
    try:
        torch.manual_seed(0)
        runner = Runner(
            model=build_model(cfg, 'cpu'),
            work_dir=work,
            experiment_name=f'bench_runner_overhead_{r}',
            train_dataloader=torch.utils.data.DataLoader(
                FixedDataset(sample), batch_size=2, num_workers=0,
                collate_fn=pseudo_collate, shuffle=False),
            train_cfg=dict(type='IterBasedTrainLoop', max_iters=total,
                           val_interval=10 * total),
            optim_wrapper=cfg.optim_wrapper.to_dict(),
            param_scheduler=[dict(type='PolyLR', eta_min=1e-4, power=0.9,
                                  begin=0, end=total, by_epoch=False)],
            default_hooks=default_hooks,
            custom_hooks=[timer],
            env_cfg=dict(cfg.env_cfg, cudnn_benchmark=False),
            log_processor=cfg.log_processor,
            log_level='WARNING',
            default_scope='mmseg',
            randomness=dict(seed=0))
        runner.train()
        times, data_times = (np.asarray(
            runner.message_hub.get_scalar(f'train/{key}').data[0])
                             for key in ('time', 'data_time'))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    hook = float(np.mean((times - data_times)[-args.iters:]))
    return ((timer.t1 - timer.t0) / args.iters, hook,
            float(np.mean(data_times[-args.iters:])))


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
    from mmengine.logging import MMLogger
    from mmengine.registry import init_default_scope

    import a2d2_mmseg.datasets  # noqa: F401  (registers the datasets)
    import a2d2_mmseg.models  # noqa: F401  (registers the models)
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

    # (a) the bare loop (build_model: random weights, SyncBN -> BN), with
    # the config's SGD settings.
    torch.manual_seed(0)
    model = build_model(cfg, 'cpu')
    model.init_weights()

    def loss_fn():
        model.train()
        data = model.data_preprocessor(batch, True)
        return model.parse_losses(model(**data, mode='loss'))[0]

    sgd = {k: v for k, v in cfg.optim_wrapper.optimizer.items()
           if k != 'type'}
    bare_step = training_step(loss_fn, model, **sgd)

    # Alternate: bare, runner, bare, runner, ..., bare.
    bare, passes, walls, hooks, datas = [], [], [], [], []
    for r in range(args.rounds + 1):
        times = call_times(bare_step, args.iters, warmup=args.warmup)
        bare += times
        passes.append(np.median(times))
        if r == args.rounds:
            print(f'final bare pass: median {1e3 * passes[-1]:.0f} ms')
            break
        wall, hook, data = time_runner(cfg, sample, args, r)
        walls.append(wall)
        hooks.append(hook)
        datas.append(data)
        print(f'round {r}: bare median {1e3 * passes[-1]:.0f} ms, runner '
              f'{1e3 * wall:.0f} ms per iteration')

    bare_ms = 1e3 * float(np.median(bare))
    runner_ms, hook_ms, data_ms = (1e3 * float(np.median(v))
                                   for v in (walls, hooks, datas))
    print(f'(a) bare step: median {bare_ms:.0f} ms per iteration '
          f'({len(bare)} timed in {len(passes)} passes; pass medians '
          + ', '.join(f'{1e3 * p:.0f}' for p in passes) + ' ms)')
    print(f"(b) runner: median {runner_ms:.0f} ms per iteration over "
          f"{len(walls)} runs (wall, all inclusive); IterTimerHook 'time' - "
          f"'data_time' = {hook_ms:.0f} ms, 'data_time' {data_ms:.1f} ms")
    ratio = runner_ms / bare_ms
    spread = max(passes) - min(passes)
    print(f'runner / bare (wall per iteration, medians): {ratio:.3f}x '
          f'{target(ratio <= 1.10, "<= 1.10")}; IterTimerHook-based: '
          f'{hook_ms / bare_ms:.3f}x; spread of the bare pass medians: '
          f'{1e3 * spread:.0f} ms ({100 * spread / np.median(bare):.0f} %)')


if __name__ == '__main__':
    main()
