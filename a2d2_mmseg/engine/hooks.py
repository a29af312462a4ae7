"""Checkpoint hooks: exact resumes (:class:`RNGStateHook`), plain-data
files (:class:`PlainCheckpointHook`), checked weights
(:class:`CheckpointMatchHook`, registered by the plugin's
``Runner.load_or_resume``).
"""
import random
from typing import Optional

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.runner import IterBasedTrainLoop
from mmseg.registry import HOOKS

from a2d2_mmseg.compat.checkpoint import (CorruptCheckpointError,
                                          loaded_checkpoint_name,
                                          resuming_checkpoint)
from a2d2_mmseg.compat.checkpoint_types import from_plain_data, to_plain_data
from a2d2_mmseg.compat.state_dict_match import (PARTIAL_REMEDY,
                                                RESUME_REMEDY,
                                                check_checkpoint_matches)

__all__ = [
    'RNGStateHook', 'CheckpointMatchHook', 'PlainCheckpointHook',
    'capture_rng_state', 'parse_rng_state', 'restore_rng_state',
    'RNG_STATE_KEY'
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
