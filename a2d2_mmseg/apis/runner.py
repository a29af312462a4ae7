"""Training and testing with mmengine's runner, as mmseg's tools do.

``tools/train.py`` and ``tools/test.py`` are the command lines of
:func:`run_train` and :func:`run_test`: mmseg 1.2.2's ``tools/train.py`` and
``tools/test.py`` (same flags, same config handling) with the plugin
imported, distributed runs on CPU-only machines (gloo, CPU DDP, SyncBN ->
BN, :func:`~a2d2_mmseg.compat.distributed.setup_cpu_distributed`) and unloadable
checkpoints turned into one-line errors. Both refuse a checkpoint that does
not fit the model (``--resume``, ``load_from``, the tested checkpoint; see
:class:`~a2d2_mmseg.engine.CheckpointMatchHook`) unless
``--allow-partial-checkpoint`` (never for a resume). Training also takes
mmdet's ``--resume [FILE]`` and ``--auto-scale-lr``; testing, with
``--show-dir``, paints every test image with the dataset's palette.
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
    'parse_train_args', 'parse_test_args', 'load_run_config', 'enable_amp',
    'enable_auto_scale_lr', 'trigger_visualization_hook', 'configure_test',
    'configure_train', 'build_runner', 'run_train', 'run_test'
]


def _parse(parser: argparse.ArgumentParser,
           argv: Optional[Sequence[str]]) -> argparse.Namespace:
    """Add the flags both tools take, parse, set ``LOCAL_RANK``."""
    parser.add_argument(
        '--allow-partial-checkpoint',
        action='store_true',
        help='load a checkpoint that does not fit the model (another model '
        'or number of classes) partially, with a warning, instead of '
        'refusing it; the weights it lacks keep their initialisation '
        '(training: load_from only, a resume always needs a fitting one)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file. If the value to '
        'be overwritten is a list, it should be like key="[a,b]" or key=a,b '
        'It also allows nested list/tuple values, e.g. key="[(a,b),(c,d)]" '
        'Note that the quotation marks are necessary and that no white space '
        'is allowed.')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # When using PyTorch version >= 2.0.0, the `torch.distributed.launch`
    # will pass the `--local-rank` parameter to `tools/train.py` instead
    # of `--local_rank`.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def parse_train_args(
        argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """The command line of ``tools/train.py``: mmseg's flags, mmdet's
    ``--resume [FILE]`` and ``--auto-scale-lr``, and
    ``--allow-partial-checkpoint``.

    Args:
        argv (Sequence[str], optional): The arguments (default:
            ``sys.argv[1:]``).

    Returns:
        argparse.Namespace: ``config``, ``work_dir``, ``resume`` (None,
        ``'auto'`` for ``--resume`` or the file of ``--resume FILE``),
        ``amp``, ``auto_scale_lr``, ``allow_partial_checkpoint``,
        ``cfg_options``, ``launcher``, ``local_rank``; ``LOCAL_RANK`` is set
        in the environment from ``--local-rank`` unless it is set already.
    """
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        const='auto',
        metavar='FILE',
        help='resume from FILE; without FILE, from the latest checkpoint in '
        'the work_dir (WORK_DIR/last_checkpoint, refused when it names a '
        'checkpoint of another folder), or from the config\'s load_from')
    parser.add_argument(
        '--amp',
        action='store_true',
        default=False,
        help='enable automatic-mixed-precision training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate linearly to the effective batch size '
        '(processes x batch per process) from the config\'s '
        'auto_scale_lr.base_batch_size')
    return _parse(parser, argv)


def parse_test_args(
        argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """The command line of ``tools/test.py`` (mmseg's flags, plus
    ``--allow-partial-checkpoint``).

    Args:
        argv (Sequence[str], optional): The arguments (default:
            ``sys.argv[1:]``).

    Returns:
        argparse.Namespace: The options, ``LOCAL_RANK`` set as by
        :func:`parse_train_args`.
    """
    parser = argparse.ArgumentParser(
        description='MMSeg test (and eval) a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir',
        help=('if specified, the evaluation metric results will be dumped'
              'into the directory as json'))
    parser.add_argument(
        '--out',
        type=str,
        help='The directory to save output prediction for offline evaluation')
    parser.add_argument(
        '--show', action='store_true', help='show prediction results')
    parser.add_argument(
        '--show-dir',
        help='directory where painted images will be saved '
        '(in SHOW_DIR/vis_data/vis_image/)')
    parser.add_argument(
        '--show-interval',
        type=int,
        default=1,
        help='paint every n-th test batch (mmseg paints every 50th)')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='the interval of show (s)')
    parser.add_argument(
        '--tta', action='store_true', help='Test time augmentation')
    return _parse(parser, argv)


def load_run_config(config: str,
                    launcher: str = 'none',
                    cfg_options: Optional[dict] = None,
                    work_dir: Optional[str] = None) -> Config:
    """Read a config as mmseg's tools do.

    Args:
        config (str): The config file.
        launcher (str): The job launcher. Defaults to 'none'.
        cfg_options (dict, optional): Overrides merged into the config.
        work_dir (str, optional): The work dir; default: the config's, else
            ``./work_dirs/<config file name>``.

    Returns:
        Config: The config, ``launcher`` and ``work_dir`` set.
    """
    cfg = Config.fromfile(config)
    cfg.launcher = launcher
    if cfg_options is not None:
        cfg.merge_from_dict(cfg_options)
    # work_dir is determined in this priority: CLI > segment in file > filename
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(config))[0])
    return cfg


def enable_amp(cfg: Config) -> None:
    """Train with automatic mixed precision (``--amp``).

    Args:
        cfg (Config): The config; its ``optim_wrapper`` becomes an
            ``AmpOptimWrapper`` with a dynamic loss scale.
    """
    optim_wrapper = cfg.optim_wrapper.type
    if optim_wrapper == 'AmpOptimWrapper':
        print_log(
            'AMP training is already enabled in your config.',
            logger='current',
            level=logging.WARNING)
    else:
        assert optim_wrapper == 'OptimWrapper', (
            '`--amp` is only supported when the optimizer wrapper type is '
            f'`OptimWrapper` but got {optim_wrapper}.')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.loss_scale = 'dynamic'


def enable_auto_scale_lr(cfg: Config, config: str) -> None:
    """Scale the learning rate to the effective batch (``--auto-scale-lr``).

    Args:
        cfg (Config): The config; ``auto_scale_lr.enable`` becomes True.
        config (str): Its file, for the error.

    Raises:
        ValueError: The config has no ``auto_scale_lr`` with a
            ``base_batch_size``.
    """
    auto_scale_lr = cfg.get('auto_scale_lr')
    if not isinstance(auto_scale_lr, dict) or \
            auto_scale_lr.get('base_batch_size') is None:
        raise ValueError(
            f'{config}: --auto-scale-lr needs auto_scale_lr = dict('
            f'enable=False, base_batch_size=N) in the config, N the batch '
            f'size its learning rate is set for (e.g. 8 for a 4xb2 config), '
            f'and it has ' +
            (f'auto_scale_lr = {auto_scale_lr!r}' if auto_scale_lr is not None
             else 'none') + '. Add it, e.g. --cfg-options '
            'auto_scale_lr.base_batch_size=8.')
    cfg.auto_scale_lr.enable = True


def configure_train(cfg: Config, args: argparse.Namespace) -> Config:
    """What ``tools/train.py``'s flags change in the config.

    Args:
        cfg (Config): From :func:`load_run_config`.
        args (argparse.Namespace): From :func:`parse_train_args`.

    Returns:
        Config: ``cfg`` with ``--amp``, ``--auto-scale-lr``, ``--resume``
        (``resume``; ``load_from`` for ``--resume FILE``) and
        ``allow_partial_checkpoint`` applied.

    Raises:
        ValueError: ``--auto-scale-lr`` without ``auto_scale_lr`` in the
            config.
    """
    if args.amp is True:
        enable_amp(cfg)
    if args.auto_scale_lr:
        enable_auto_scale_lr(cfg, args.config)
    cfg.resume = args.resume is not None
    if args.resume not in (None, 'auto'):
        cfg.load_from = args.resume
    cfg.allow_partial_checkpoint = args.allow_partial_checkpoint
    return cfg


def trigger_visualization_hook(cfg: Config,
                               args: argparse.Namespace) -> Config:
    """Turn on the visualization hook for ``--show`` / ``--show-dir``.

    Args:
        cfg (Config): The config.
        args (argparse.Namespace): From :func:`parse_test_args`.

    Returns:
        Config: ``cfg``, its hook drawing every ``--show-interval``-th batch.

    Raises:
        RuntimeError: The config has no visualization hook.
    """
    default_hooks = cfg.default_hooks
    if 'visualization' not in default_hooks:
        raise RuntimeError(
            'VisualizationHook must be included in default_hooks.'
            'refer to usage '
            '"visualization=dict(type=\'VisualizationHook\')"')
    visualization_hook = default_hooks['visualization']
    visualization_hook['draw'] = True
    visualization_hook['interval'] = args.show_interval
    if args.show:
        visualization_hook['show'] = True
        visualization_hook['wait_time'] = args.wait_time
    if args.show_dir:
        cfg.visualizer['save_dir'] = args.show_dir
    return cfg


def configure_test(cfg: Config, args: argparse.Namespace) -> Config:
    """What ``tools/test.py``'s flags change in the config.

    Args:
        cfg (Config): From :func:`load_run_config`.
        args (argparse.Namespace): From :func:`parse_test_args`.

    Returns:
        Config: ``cfg`` loading ``args.checkpoint`` (the plugin refuses,
        or with ``allow_partial_checkpoint`` reports, weights that do not
        fit the model), with ``--show``/``--show-dir``, ``--tta`` and
        ``--out`` applied.
    """
    cfg.load_from = args.checkpoint
    cfg.allow_partial_checkpoint = args.allow_partial_checkpoint
    if args.show or args.show_dir:
        cfg = trigger_visualization_hook(cfg, args)
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


def build_runner(cfg: Config) -> Runner:
    """The runner of a config, distributed on the CPU when there is no GPU.

    Args:
        cfg (Config): The config (``launcher`` set).

    Returns:
        Runner: ``Runner.from_cfg(cfg)``, or the registered ``runner_type``.
    """
    from mmseg.registry import RUNNERS

    # Distributed without GPUs: gloo process group, CPU DDP, SyncBN -> BN.
    # A no-op with GPUs or without a launcher.
    setup_cpu_distributed(cfg)
    if 'runner_type' not in cfg:
        return Runner.from_cfg(cfg)
    return RUNNERS.build(cfg)


def _exit_on_checkpoint_error(job) -> None:
    try:
        job()
    except CheckpointError as error:
        raise SystemExit(f'{type(error).__name__}: {error}')


def run_train(args: argparse.Namespace) -> None:
    """Train as ``tools/train.py`` does.

    Args:
        args (argparse.Namespace): From :func:`parse_train_args`.

    Raises:
        SystemExit: A checkpoint (``--resume``, ``load_from``, pretrained
            weights) cannot be loaded or does not fit the model,
            ``last_checkpoint`` names another folder's checkpoint, or
            ``--auto-scale-lr`` finds no ``auto_scale_lr`` in the config;
            the message names the file.
    """
    cfg = load_run_config(args.config, args.launcher, args.cfg_options,
                          args.work_dir)
    try:
        cfg = configure_train(cfg, args)
    except ValueError as error:
        raise SystemExit(f'error: {error}')
    runner = build_runner(cfg)
    if runner.distributed:
        import torch.distributed as torch_dist
        runner.logger.info(
            f'Distributed: launcher={args.launcher}, '
            f'backend={torch_dist.get_backend()}, '
            f'world_size={runner.world_size}, rank={runner.rank}')
    _exit_on_checkpoint_error(runner.train)


def run_test(args: argparse.Namespace) -> None:
    """Test as ``tools/test.py`` does.

    Args:
        args (argparse.Namespace): From :func:`parse_test_args`.

    Raises:
        SystemExit: The checkpoint cannot be loaded or does not fit the
            model; the message names it.
    """
    cfg = load_run_config(args.config, args.launcher, args.cfg_options,
                          args.work_dir)
    runner = build_runner(configure_test(cfg, args))
    _exit_on_checkpoint_error(runner.test)
