"""The hooks of ``configs/_base_/default_runtime.py``: exact resumes
(:class:`RNGStateHook`), plain-data checkpoint files
(:class:`PlainCheckpointHook`), a stop at the first non-finite loss
(:class:`FiniteLossHook`), the effective batch size logged
(:class:`BatchSizeHook`); and checked weights (:class:`CheckpointMatchHook`,
registered by the plugin's ``Runner.load_or_resume``).
"""
import logging
import random
from typing import Optional, Tuple

import numpy as np
import torch
from mmengine.dist import all_reduce, is_distributed
from mmengine.hooks import Hook
from mmengine.runner import IterBasedTrainLoop
from mmseg.registry import HOOKS
from torch.utils.data import DataLoader

from a2d2_mmseg.compat.checkpoint import (CorruptCheckpointError,
                                          loaded_checkpoint_name,
                                          resuming_checkpoint)
from a2d2_mmseg.compat.checkpoint_types import from_plain_data, to_plain_data
from a2d2_mmseg.compat.state_dict_match import (PARTIAL_REMEDY,
                                                RESUME_REMEDY,
                                                check_checkpoint_matches)

__all__ = [
    'RNGStateHook', 'CheckpointMatchHook', 'PlainCheckpointHook',
    'FiniteLossHook', 'NonFiniteLossError', 'BatchSizeHook',
    'batch_size_message', 'capture_rng_state', 'parse_rng_state',
    'restore_rng_state', 'RNG_STATE_KEY'
]

# The checkpoint key RNGStateHook writes.
RNG_STATE_KEY = 'rng_state'


def capture_rng_state() -> dict:
    """The state of torch's (CPU and, in use, CUDA), numpy's and ``random``'s
    generators as tensors and plain values (``weights_only`` loads it): a
    dict of ``torch``, ``numpy``, ``random`` and possibly ``cuda``."""
    name, keys, pos, has_gauss, cached = np.random.get_state()
    version, internal, gauss_next = random.getstate()
    state = dict(
        torch=torch.get_rng_state(),
        numpy=dict(
            name=name,
            keys=torch.from_numpy(keys.astype(np.int64)),
            pos=int(pos),
            has_gauss=int(has_gauss),
            cached_gaussian=float(cached)),
        random=dict(
            version=version, internal=tuple(internal),
            gauss_next=gauss_next))
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def _torch_state(cpu) -> torch.Tensor:
    if not (torch.is_tensor(cpu) and cpu.dtype == torch.uint8):
        raise TypeError('not a uint8 tensor')
    torch.Generator().set_state(cpu)
    return cpu


def _numpy_state(n: dict) -> tuple:
    keys = n['keys']
    if not (torch.is_tensor(keys) and keys.dtype == torch.int64
            and keys.shape == (624, ) and bool(((keys >= 0) &
                                                (keys < 2**32)).all())):
        raise TypeError('keys are not 624 int64 values in [0, 2**32)')
    state = (n['name'], keys.numpy().astype(np.uint32), n['pos'],
             n['has_gauss'], n['cached_gaussian'])
    np.random.RandomState().set_state(state)
    return state


def _random_state(r: dict) -> tuple:
    state = (r['version'], tuple(r['internal']), r['gauss_next'])
    random.Random().setstate(state)
    return state


def parse_rng_state(state) -> dict:
    """Validate ``checkpoint['rng_state']`` by loading each part into a
    scratch generator of its kind; the process's generators are untouched.

    Returns:
        dict: ``torch`` (tensor), ``numpy`` (tuple for
        ``np.random.set_state``), ``random`` (tuple for ``random.setstate``),
        ``cuda`` (list or None).

    Raises:
        ValueError: The state is malformed (the message says which part).
    """
    if not isinstance(state, dict):
        raise ValueError(f'a {type(state).__name__}, not a dict')
    parsed = {}
    for part, parse in (('torch', _torch_state), ('numpy', _numpy_state),
                        ('random', _random_state)):
        try:
            parsed[part] = parse(state[part])
        except (KeyError, TypeError, ValueError, RuntimeError, OverflowError,
                IndexError) as error:
            raise ValueError(f'{part} state: {type(error).__name__}: {error}')
    cuda = state.get('cuda')
    if cuda is not None and not (isinstance(cuda, (list, tuple)) and all(
            torch.is_tensor(t) and t.dtype == torch.uint8 for t in cuda)):
        raise ValueError('cuda state: not a list of uint8 tensors')
    parsed['cuda'] = cuda
    return parsed


def restore_rng_state(parsed: dict, numpy_and_random: bool = True) -> list:
    """Set the generators (numpy's and Python's only if
    ``numpy_and_random``) from :func:`parse_rng_state`'s result; returns
    the names of those set."""
    torch.set_rng_state(parsed['torch'])
    restored = ['torch']
    cuda = parsed.get('cuda')
    if cuda is not None and torch.cuda.is_available() and \
            len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(cuda)
        restored.append('cuda')
    if numpy_and_random:
        np.random.set_state(parsed['numpy'])
        random.setstate(parsed['random'])
        restored += ['numpy', 'random']
    return restored


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Save the random generators' state in checkpoints; restore it on
    resume, so that a resumed run continues exactly (mmengine 0.10.7 saves
    none and re-seeds only when the seed changed: dropout after a resume
    differs from an uninterrupted run).

    The state is validated when resuming (not for ``load_from``; a
    malformed one is ignored with a warning) and set in ``before_train``,
    after ``resume`` may have re-seeded: torch's generators, and numpy's
    and ``random`` unless the loop is ``IterBasedTrainLoop``, whose replay
    of the trained iterations' data restores those by itself. Validation
    runs on a copy of the state, so it does not change the training that
    follows. Without ``rng_state``, or with ``diff_rank_seed`` (the
    checkpoint holds rank 0's state only), it resumes as in mmengine, with
    a warning.
    """

    priority = 'NORMAL'

    def __init__(self) -> None:
        self._pending: Optional[dict] = None
        self._paused: Optional[dict] = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint[RNG_STATE_KEY] = self._paused if self._paused is not None \
            else capture_rng_state()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        filename = resuming_checkpoint()
        if filename is None:
            return  # load_from / test: the run keeps its own randomness
        self._pending = None
        if RNG_STATE_KEY not in checkpoint:
            runner.logger.warning(
                f'{filename} holds no RNG state (saved without '
                f'RNGStateHook): random operations after resuming (dropout) '
                f'differ from an uninterrupted run.')
            return
        if (runner.world_size > 1
                and runner._randomness_cfg.get('diff_rank_seed', False)):
            runner.logger.warning(
                f'{filename}: not restoring its RNG state: the processes are '
                f'seeded differently (diff_rank_seed) and the checkpoint '
                f'holds rank 0\'s state only.')
            return
        try:
            self._pending = parse_rng_state(checkpoint[RNG_STATE_KEY])
        except ValueError as error:
            runner.logger.warning(
                f"{filename}: ignoring its malformed '{RNG_STATE_KEY}' "
                f'({error}); random operations after resuming differ from '
                f'an uninterrupted run.')

    def before_train(self, runner) -> None:
        if self._pending is None:
            return
        replays = isinstance(runner.train_loop, IterBasedTrainLoop)
        restored = restore_rng_state(self._pending,
                                     numpy_and_random=not replays)
        self._pending = None
        runner.logger.info(
            f'Restored the RNG state of {", ".join(restored)} from the '
            f'resumed checkpoint.')

    def before_val(self, runner) -> None:
        self._paused = capture_rng_state()

    def after_val(self, runner) -> None:
        if self._paused is not None:
            restore_rng_state(parse_rng_state(self._paused))
            self._paused = None


@HOOKS.register_module()
class CheckpointMatchHook(Hook):
    """Refuse a loaded checkpoint that does not fit the model, before its
    weights are copied (:func:`~a2d2_mmseg.compat.state_dict_match.
    check_checkpoint_matches`): ``load_from`` unless the config sets
    ``allow_partial_checkpoint`` (``--allow-partial-checkpoint``), a resume
    (inside :func:`~a2d2_mmseg.compat.checkpoint.resuming`) even then, as
    mmengine would load an optimizer state of other shapes.
    """

    priority = 'VERY_HIGH'

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if resuming_checkpoint() is not None:
            allow_partial, remedy = False, RESUME_REMEDY
        else:
            allow_partial = bool(runner.cfg.get('allow_partial_checkpoint'))
            remedy = PARTIAL_REMEDY
        check_checkpoint_matches(runner.model, checkpoint,
                                 loaded_checkpoint_name(runner),
                                 allow_partial, remedy)


@HOOKS.register_module()
class PlainCheckpointHook(Hook):
    """Write checkpoints as plain data (:mod:`a2d2_mmseg.compat.
    checkpoint_types`; priority ``'LOWEST'``: what other hooks add is
    encoded too) and decode them on load, before the runner reads them (a
    malformed value: ``CorruptCheckpointError``)."""

    priority = 'LOWEST'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        to_plain_data(checkpoint)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        try:
            from_plain_data(checkpoint, 'checkpoint')
        except ValueError as error:
            raise CorruptCheckpointError(
                f'{loaded_checkpoint_name(runner)}: malformed plain-data '
                f'value: {error}') from None


class NonFiniteLossError(RuntimeError):
    """A training iteration gave a loss that is NaN or infinite."""


@HOOKS.register_module()
class FiniteLossHook(Hook):
    """Raise :class:`NonFiniteLossError` when a training loss is not finite,
    before it is checkpointed: without it a NaN or infinite loss is only
    logged, the optimiser step makes every weight NaN, ``CheckpointHook``
    saves them and the run exits 0.

    Checks the log variables of ``model.train_step`` (the total ``loss`` and
    every term whose name contains ``'loss'``) in ``after_train_iter``. In a
    distributed run the ranks agree (one all-reduce of a flag), so all stop
    at the same iteration. With AMP, skipped steps of the loss scaler
    (overflowing gradients) do not stop training: the loss is checked.
    """

    # Before EMAHook, LoggerHook, ParamSchedulerHook and CheckpointHook.
    priority = 'HIGH'

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        """Check the iteration's loss terms (``outputs``: the log variables).

        Raises:
            NonFiniteLossError: A loss term is NaN or infinite, here or on
                another rank (naming the 1-based iteration and the terms).
        """
        bad = {
            name: torch.as_tensor(value).tolist()
            for name, value in (outputs or {}).items()
            if 'loss' in name and not torch.isfinite(
                torch.as_tensor(value)).all()
        }
        found = bool(bad)
        if is_distributed():
            flag = torch.tensor([float(found)])
            all_reduce(flag)
            found = bool(flag.item())
        if not found:
            return
        where = (', '.join(f'{name}={value}' for name, value in bad.items())
                 if bad else 'on another rank')
        raise NonFiniteLossError(
            f'iteration {runner.iter + 1}: non-finite loss ({where}); '
            'training stopped before any checkpoint of this iteration '
            "(the optimiser has stepped on it: the weights in memory are "
            'not to be trusted; the checkpoints already in '
            f'{runner.work_dir} are from before it). Check the class '
            "weights, this iteration's inputs and the learning rate")


def batch_size_message(world_size: int, batch_size: Optional[int],
                       auto_scale_lr: Optional[dict]) -> Tuple[str,
                                                               Optional[str]]:
    """The log line and, when the learning rate does not fit the batch, the
    warning (else None) for ``world_size`` processes of ``batch_size``
    images and the config's ``auto_scale_lr`` (``base_batch_size``: the
    batch the learning rate is set for; ``enable``: scale it linearly)."""
    if batch_size is None:
        return (f'Effective batch size: unknown ({world_size} process(es); '
                f'the train data loader sets no batch_size).', None)
    effective = world_size * batch_size
    line = (f'Effective batch size: {world_size} process(es) x {batch_size} '
            f'per process = {effective}')
    base = (auto_scale_lr or {}).get('base_batch_size')
    if base is None:
        return line + ' (the config sets no auto_scale_lr.base_batch_size ' \
            'to compare it with).', None
    enabled = bool(auto_scale_lr.get('enable', False))
    line += (f'; the config\'s learning rate is set for a batch of {base} '
             f'(auto_scale_lr.base_batch_size); ' +
             (f'auto_scale_lr is enabled: the learning rate is scaled by '
              f'{effective}/{base}.' if enabled else
              'auto_scale_lr is not enabled.'))
    if enabled or effective == base:
        return line, None
    processes = (f'{base // batch_size} processes of {batch_size} (e.g. '
                 f'tools/dist_train.sh CONFIG {base // batch_size})'
                 if base % batch_size == 0 else
                 f'an effective batch of {base}')
    warning = (f'Training with an effective batch of {effective} and the '
               f'learning rate set for a batch of {base}, unscaled. Pass '
               f'--auto-scale-lr to tools/train.py (mmseg\'s train.py, mim '
               f'train: --cfg-options auto_scale_lr.enable=True) to scale '
               f'it by {effective}/{base}, or train with {processes}.')
    return line, warning


@HOOKS.register_module()
class BatchSizeHook(Hook):
    """Log the effective batch size against the config's base batch before
    training, and warn when they differ unscaled.

    mmseg's config names give the batch their learning rate is set for
    (``4xb2``: a batch of 8), but ``python tools/train.py CONFIG`` runs one
    process of 2, silently; mmengine scales the learning rate only with
    ``auto_scale_lr.enable``. This hook logs :func:`batch_size_message`
    before the first iteration and warns, naming ``--auto-scale-lr``, when
    the effective batch differs from ``auto_scale_lr.base_batch_size``
    unscaled.
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        # The batch size of one process, where mmengine's scale_lr reads it.
        loader = runner._train_dataloader
        if isinstance(loader, DataLoader):
            batch_size = loader.batch_size
        else:
            batch_size = loader.get('batch_size') if isinstance(
                loader, dict) else None
        line, warning = batch_size_message(runner.world_size, batch_size,
                                           runner.auto_scale_lr)
        runner.logger.info(line)
        if warning is not None:
            runner.logger.log(logging.WARNING, warning)
