"""Training and testing with mmengine's runner, as mmseg's tools do.

:func:`run_train` and :func:`run_test` are ``tools/train.py`` and
``tools/test.py``: mmseg 1.2.2's tools (same flags, same config handling)
with the plugin imported, distributed runs on CPU-only machines
(:func:`~a2d2_mmseg.compat.distributed.setup_cpu_distributed`), mmdet's
``--resume [FILE]`` and ``--auto-scale-lr``, ``--allow-partial-checkpoint``
and checkpoint errors as one line. See ``docs/train_test.md``.
"""
import argparse
import logging
import os
import os.path as osp
from typing import Optional, Sequence

from mmengine.config import Config, DictAction
from mmengine.logging import print_log
from mmengine.runner import Runner

# Registers the plugin's components and applies its patches (safe
# checkpoints, robust resumes).
import a2d2_mmseg.plugin  # noqa: F401
from a2d2_mmseg.compat.checkpoint import CheckpointError
from a2d2_mmseg.compat.distributed import setup_cpu_distributed

__all__ = [
    'add_cfg_options', 'add_model_args', 'parse_train_args', 'parse_test_args',
    'configure_test', 'configure_train', 'run_train', 'run_test'
]


def add_cfg_options(parser: argparse.ArgumentParser,
                    what: str = 'the config') -> None:
    """Add ``--cfg-options``, ``key=value`` overrides of ``what``, the
    flag of every tool that reads configs."""
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help=f'override settings of {what}: key=value pairs')


def add_model_args(parser: argparse.ArgumentParser) -> None:
    """Add ``--allow-partial-checkpoint`` and ``--cfg-options``, the flags
    of every tool that builds a config's model and loads a checkpoint
    (``tools/train.py``, ``tools/test.py``, ``tools/infer.py``)."""
    parser.add_argument(
        '--allow-partial-checkpoint', action='store_true',
        help='load a checkpoint that does not fit the model partially, with '
        'a warning, instead of refusing it (training: load_from only)')
    add_cfg_options(parser)


def _parse(parser: argparse.ArgumentParser,
           argv: Optional[Sequence[str]]) -> argparse.Namespace:
    """Add the flags both tools take, parse, set ``LOCAL_RANK``."""
    add_model_args(parser)
    parser.add_argument('--launcher', default='none', help='job launcher',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    # torch >= 2.0's launcher passes --local-rank.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def parse_train_args(
        argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """The command line of ``tools/train.py`` (default ``sys.argv[1:]``);
    ``resume`` is None, ``'auto'`` for ``--resume`` or the file of
    ``--resume FILE``. Sets ``LOCAL_RANK`` from ``--local-rank`` unless it
    is set already."""
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume', nargs='?', const='auto', metavar='FILE',
        help='resume from FILE; without FILE, from the latest checkpoint in '
        'the work_dir, else from the config\'s load_from')
    parser.add_argument('--amp', action='store_true', default=False,
                        help='enable automatic-mixed-precision training')
    parser.add_argument(
        '--auto-scale-lr', action='store_true',
        help='scale the learning rate to the effective batch size from the '
        'config\'s auto_scale_lr.base_batch_size')
    return _parse(parser, argv)


def parse_test_args(
        argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """The command line of ``tools/test.py``, as :func:`parse_train_args`.
    """
    parser = argparse.ArgumentParser(
        description='MMSeg test (and eval) a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='if specified, the evaluation '
                        'metric results will be dumped into it as json')
    parser.add_argument('--out', type=str, help='The directory to save '
                        'output prediction for offline evaluation')
    parser.add_argument('--show', action='store_true',
                        help='show prediction results')
    parser.add_argument('--show-dir', help='directory where painted images '
                        'will be saved (in SHOW_DIR/vis_data/vis_image/)')
    parser.add_argument('--show-interval', type=int, default=1, help='paint '
                        'every n-th test batch (mmseg paints every 50th)')
    parser.add_argument('--wait-time', type=float, default=2,
                        help='the interval of show (s)')
    parser.add_argument('--tta', action='store_true',
                        help='Test time augmentation')
    return _parse(parser, argv)


def configure_train(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply ``tools/train.py``'s ``--amp``, ``--auto-scale-lr``,
    ``--resume`` (``load_from`` for ``--resume FILE``) and
    ``--allow-partial-checkpoint`` to ``cfg``.

    Raises:
        ValueError: ``--auto-scale-lr`` without ``auto_scale_lr`` in the
            config.
    """
    if args.amp is True:
        optim_wrapper = cfg.optim_wrapper.type
        if optim_wrapper == 'AmpOptimWrapper':
            print_log('AMP training is already enabled in your config.',
                      logger='current', level=logging.WARNING)
        else:
            assert optim_wrapper == 'OptimWrapper', (
                '`--amp` is only supported when the optimizer wrapper type '
                f'is `OptimWrapper` but got {optim_wrapper}.')
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.loss_scale = 'dynamic'
    if args.auto_scale_lr:
        auto_scale_lr = cfg.get('auto_scale_lr')
        if not isinstance(auto_scale_lr, dict) or \
                auto_scale_lr.get('base_batch_size') is None:
            raise ValueError(
                f'{args.config}: --auto-scale-lr needs auto_scale_lr = dict('
                f'enable=False, base_batch_size=N) in the config, N the batch '
                f'size its learning rate is set for (e.g. 8 for a 4xb2 '
                f'config), and it has ' +
                (f'auto_scale_lr = {auto_scale_lr!r}'
                 if auto_scale_lr is not None else 'none') +
                '. Add it, e.g. --cfg-options '
                'auto_scale_lr.base_batch_size=8.')
        cfg.auto_scale_lr.enable = True
    cfg.resume = args.resume is not None
    if args.resume not in (None, 'auto'):
        cfg.load_from = args.resume
    cfg.allow_partial_checkpoint = args.allow_partial_checkpoint
    return cfg


def configure_test(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply ``tools/test.py``'s flags to ``cfg``: load ``args.checkpoint``
    (``--allow-partial-checkpoint``), ``--show``/``--show-dir`` (every
    ``--show-interval``-th batch), ``--tta`` and ``--out``."""
    cfg.load_from = args.checkpoint
    cfg.allow_partial_checkpoint = args.allow_partial_checkpoint
    if args.show or args.show_dir:
        if 'visualization' not in cfg.default_hooks:
            raise RuntimeError(
                'VisualizationHook must be included in default_hooks.refer '
                'to usage "visualization=dict(type=\'VisualizationHook\')"')
        hook = cfg.default_hooks['visualization']
        hook.update(draw=True, interval=args.show_interval)
        if args.show:
            hook.update(show=True, wait_time=args.wait_time)
        if args.show_dir:
            cfg.visualizer['save_dir'] = args.show_dir
    if args.tta:
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    if args.out is not None:  # add output_dir in metric
        evaluators = cfg.test_evaluator
        if not isinstance(evaluators, (list, tuple)):
            evaluators = [evaluators]
        for evaluator in evaluators:
            evaluator['output_dir'] = args.out
            evaluator['keep_results'] = True
    return cfg


def _run(args: argparse.Namespace, configure, job: str) -> None:
    """Read the config as mmseg's tools do (``work_dir``: command line,
    else the config's, else ``./work_dirs/<name>``), configure it, build
    the runner (distributed on the CPU when launched without GPUs), run
    ``runner.<job>()``; a config refused by ``configure`` or a checkpoint
    error exits with one line."""
    from mmseg.registry import RUNNERS

    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    try:
        cfg = configure(cfg, args)
    except ValueError as error:
        raise SystemExit(f'error: {error}')
    setup_cpu_distributed(cfg)
    runner = RUNNERS.build(cfg) if 'runner_type' in cfg else \
        Runner.from_cfg(cfg)
    if runner.distributed:
        import torch.distributed as torch_dist
        runner.logger.info(
            f'Distributed: launcher={args.launcher}, '
            f'backend={torch_dist.get_backend()}, '
            f'world_size={runner.world_size}, rank={runner.rank}')
    try:
        getattr(runner, job)()
    except CheckpointError as error:
        raise SystemExit(f'{type(error).__name__}: {error}')


def run_train(args: argparse.Namespace) -> None:
    """Train as ``tools/train.py`` does (``args`` from
    :func:`parse_train_args`).

    Raises:
        SystemExit: A checkpoint cannot be loaded or does not fit the model,
            ``last_checkpoint`` names another folder's checkpoint, or
            ``--auto-scale-lr`` finds no ``auto_scale_lr``; the message
            names the file.
    """
    _run(args, configure_train, 'train')


def run_test(args: argparse.Namespace) -> None:
    """Test as ``tools/test.py`` does (``args`` from :func:`parse_test_args`;
    ``SystemExit`` naming the checkpoint when it cannot be loaded or does
    not fit)."""
    _run(args, configure_test, 'test')
