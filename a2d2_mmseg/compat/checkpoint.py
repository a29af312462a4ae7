"""mmengine's checkpoint loader: clear errors, and no checkpoint text run.

mmengine 0.10.7's ``CheckpointLoader.load_checkpoint`` (behind
``Runner.resume``, ``Runner.load_checkpoint``, ``load_checkpoint`` and the
``Pretrained`` initialiser) answers a refused type, a failed download or a
truncated file with torch's bare errors, and ``Runner.resume`` runs
``meta['config']`` as Python (to read ``gpu_ids``): a tensor-only
checkpoint could run any code on ``--resume``. :data:`PATCH` wraps the
loader: ``meta['config']`` becomes ``gpu_ids = [...]`` read as a literal or
is dropped (:func:`sanitize_meta_config`); an unsafe type, a failed
download and a broken file raise :class:`UnsafeCheckpointError`,
:class:`CheckpointDownloadError` and :class:`CorruptCheckpointError`, each
naming the file; inside :func:`resuming`, what ``resume`` reads is checked
before the runner changes any state (:func:`check_resume_checkpoint`).
"""
import contextlib
import contextvars
import functools
import logging
import os.path as osp
import pickle
import re
import reprlib
from typing import Any, Callable, Iterator, List, Optional

import torch
from mmengine.logging import print_log

from a2d2_mmseg.compat import Patch, is_int
from a2d2_mmseg.compat.checkpoint_types import (GETATTR_REFUSED,
                                                history_buffer_problem)
from a2d2_mmseg.compat.config_text import literal_gpu_ids

__all__ = [
    'resuming', 'resuming_checkpoint', 'loaded_checkpoint_name',
    'sanitize_meta_config', 'check_checkpoint', 'check_resume_checkpoint',
    'CheckpointError', 'UnsafeCheckpointError', 'CheckpointDownloadError',
    'CorruptCheckpointError', 'CheckpointMismatchError', 'PATCH'
]

# The checkpoint Runner.resume is loading (None outside a resume).
_RESUMING: contextvars.ContextVar = contextvars.ContextVar(
    'a2d2_mmseg_resuming', default=None)


class CheckpointError(Exception):
    """A checkpoint cannot be used; the message names the file and why."""


class UnsafeCheckpointError(CheckpointError, pickle.UnpicklingError):
    """A checkpoint holds a type that is not allow-listed for safe loading,
    or asks for its content to be run as code."""


class CheckpointDownloadError(CheckpointError, RuntimeError):
    """A remote checkpoint (pretrained weights) could not be downloaded."""


class CorruptCheckpointError(CheckpointError, ValueError):
    """A checkpoint file is empty, truncated, corrupt, or does not hold what
    a checkpoint (or, when resuming, a training checkpoint) holds."""


class CheckpointMismatchError(CheckpointError, ValueError):
    """A checkpoint's weights do not fit the model (another model or number
    of classes): missing, unexpected or differently shaped entries."""


def _kind(value: Any) -> str:
    return type(value).__name__


def _show(value: Any) -> str:
    """A short description of a value from a checkpoint (bounded repr)."""
    return f'{_kind(value)} {reprlib.repr(value)}'


def _unsafe_globals(filename: str, error: Exception) -> List[str]:
    """Names of the non-allow-listed globals in a checkpoint (not run)."""
    names = []
    path = osp.expanduser(filename)
    finder = getattr(torch.serialization, 'get_unsafe_globals_in_checkpoint',
                     None)
    if finder is not None and osp.isfile(path):
        try:
            names = finder(path)
        except Exception:  # a legacy (non-zip) file: use torch's message
            pass
    return sorted(set(names or re.findall(r'GLOBAL ([\w.]+)', str(error))))


def _unsafe_message(filename: str, error: Exception) -> str:
    names = _unsafe_globals(filename, error)
    what = (', '.join(names) if names else
            str(error).strip().splitlines()[0][:300])
    return (
        f'Refusing to load checkpoint {filename!r}: it holds type(s) that '
        f'are not allow-listed for safe loading (torch.load(weights_only='
        f'True)): {what}. Unpickling them could run arbitrary code, so '
        f'nothing in the file was executed. a2d2_mmseg allow-lists only the '
        f'plain-data types of mmengine checkpoints (a2d2_mmseg.compat.'
        f'checkpoint_types.checkpoint_safe_globals). If you trust this '
        f'file (you wrote it, or it comes from a source you trust), either '
        f'allow-list the type(s) with torch.serialization.add_safe_globals('
        f'[...]) in a module listed in the config\'s custom_imports, or '
        f'load it unsafely by setting the environment variable '
        f'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1 for this run; better, re-save '
        f'it with only tensors and plain containers.')


def _download_message(filename: str, error: Exception) -> str:
    return (
        f'Could not download checkpoint {filename!r} ({type(error).__name__}'
        f': {error}). Without internet access, download it on another '
        f'machine and pass the local file instead, e.g. '
        f'--cfg-options model.pretrained=/path/to/weights.pth (or '
        f'model.backbone.init_cfg.checkpoint=... / load_from=...), or train '
        f'from scratch with --cfg-options model.pretrained=None (also set '
        f'model.backbone.init_cfg=None if the config sets one).')


def _corrupt_message(filename: str, error: BaseException) -> str:
    text = str(error)
    if 'WeightsUnpickler error:' in text:  # torch's weights-only message
        text = text.split('WeightsUnpickler error:', 1)[1]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    reason = _kind(error) + (f': {lines[0][:200]}' if lines else '')
    return (
        f'{filename}: cannot read the checkpoint, the file is truncated or '
        f'corrupt ({reason}). It was probably not completely written '
        f'(a run stopped while saving) or not completely copied: copy it '
        f'again or use another checkpoint, e.g. an earlier iter_*.pth.')


def sanitize_meta_config(meta: dict, filename: str = 'checkpoint') -> None:
    """Make a checkpoint's ``meta['config']`` safe for ``Runner.resume``, in
    place: only ``gpu_ids = [...]`` from the literal the stored text assigns
    (:func:`~a2d2_mmseg.compat.config_text.literal_gpu_ids`), else no key;
    a warning says which."""
    if 'config' not in meta:
        return
    source = meta['config']
    ids = literal_gpu_ids(source)
    if ids:
        meta['config'] = f'gpu_ids = {ids!r}\n'
        kept = f'keeps only its gpu_ids = {ids!r}, read as a literal'
    else:
        del meta['config']
        kept = 'ignores it'
    print_log(
        f"{filename}: meta['config'] ({_kind(source)}) is config text that "
        f"mmengine's resume would run as Python; a2d2_mmseg never runs "
        f'checkpoint content and {kept}.',
        logger='current',
        level=logging.WARNING)


def check_checkpoint(filename: str, checkpoint: Any) -> dict:
    """Check what every loader relies on (a dict of weights, or one with
    ``state_dict`` and ``meta`` dicts; string weight names) and sanitize
    ``meta`` (:func:`sanitize_meta_config`).

    Returns:
        dict: ``checkpoint`` (what ``torch.load`` returned).

    Raises:
        CorruptCheckpointError: The structure is wrong.
    """
    if not isinstance(checkpoint, dict):
        raise CorruptCheckpointError(
            f'{filename}: not a checkpoint: the file holds a '
            f'{_kind(checkpoint)}, not a dict (of weights, or with '
            f"'state_dict' and 'meta')")
    meta = checkpoint.get('meta')
    if meta is not None and not isinstance(meta, dict):
        raise CorruptCheckpointError(
            f"{filename}: not a valid checkpoint: 'meta' is a {_kind(meta)}, "
            f'not a dict')
    if meta is not None:
        sanitize_meta_config(meta, filename)
    weights = checkpoint.get('state_dict', checkpoint)
    if not isinstance(weights, dict):
        raise CorruptCheckpointError(
            f"{filename}: not a valid checkpoint: 'state_dict' is a "
            f'{_kind(weights)}, not a dict of weights')
    bad = [k for k in weights if not isinstance(k, str)]
    if bad:
        raise CorruptCheckpointError(
            f'{filename}: not a valid checkpoint: weight names must be '
            f'strings, {len(bad)} are not (e.g. {_show(bad[0])})')
    return checkpoint


def check_resume_checkpoint(filename: str, checkpoint: dict) -> dict:
    """Check what ``Runner.resume`` reads, before it changes any state.

    ``meta`` with integer ``epoch`` and ``iter`` (>= 0) and a seed None or
    in [0, 2**32); a ``state_dict`` dict; a ``message_hub`` state (dicts
    ``log_scalars``, ``runtime_info``, ``resumed_keys``; well-formed
    HistoryBuffers); ``optimizer`` a dict and ``param_schedulers`` a list
    or dict when present. numpy integers in ``meta`` become ``int``.

    Returns:
        dict: ``checkpoint`` (passed :func:`check_checkpoint`).

    Raises:
        CorruptCheckpointError: Naming every problem found.
    """
    problems = []
    meta = checkpoint.get('meta')
    if not isinstance(meta, dict):
        problems.append("it has no 'meta' dict (it is not a checkpoint the "
                        'runner wrote)')
        meta = {}
    else:
        for key in ('epoch', 'iter'):
            value = meta.get(key)
            if not (is_int(value) and value >= 0):
                problems.append(f"meta['{key}'] is "
                                + ('missing' if key not in meta else
                                   f'{_show(value)}, not an integer >= 0'))
        seed = meta.get('seed')
        if seed is not None and not (is_int(seed) and 0 <= seed < 2**32):
            problems.append(f"meta['seed'] is {_show(seed)}, not None or an "
                            f'integer in [0, 2**32)')
    if not isinstance(checkpoint.get('state_dict'), dict):
        problems.append("it has no 'state_dict' dict of weights")
    hub = checkpoint.get('message_hub')
    parts = ('log_scalars', 'runtime_info', 'resumed_keys')
    if not isinstance(hub, dict) or not all(
            isinstance(hub.get(k), dict) for k in parts):
        problems.append("'message_hub' is not a message hub state (a dict of "
                        'dicts log_scalars, runtime_info, resumed_keys)')
    else:
        problems += filter(None, (history_buffer_problem(k, v)
                                  for k, v in hub['log_scalars'].items()))
    for key, types, what in (
        ('optimizer', dict, 'an optimizer state dict'),
        ('param_schedulers', (list, tuple, dict),
         'a list or dict of scheduler states')):
        if key in checkpoint and not isinstance(checkpoint[key], types):
            problems.append(f"'{key}' is a {_kind(checkpoint[key])}, not "
                            f'{what}')
    if problems:
        raise CorruptCheckpointError(
            f'{filename}: cannot resume from it: ' + '; '.join(problems) +
            '. Resuming needs a checkpoint the runner wrote (iter_N.pth or '
            'epoch_N.pth in the work dir); to start from its weights '
            'instead, set load_from without --resume.')
    for key in ('epoch', 'iter', 'seed'):
        if meta.get(key) is not None:
            meta[key] = int(meta[key])
    return checkpoint


@contextlib.contextmanager
def resuming(filename: str) -> Iterator[None]:
    """Mark ``filename`` as the checkpoint being resumed: the guarded loader
    also applies :func:`check_resume_checkpoint`, and
    :func:`resuming_checkpoint` returns it (hooks tell a resume from
    ``load_from`` by it)."""
    token = _RESUMING.set(str(filename))
    try:
        yield
    finally:
        _RESUMING.reset(token)


def resuming_checkpoint() -> Optional[str]:
    """The checkpoint being resumed (see :func:`resuming`), or None."""
    return _RESUMING.get()


def loaded_checkpoint_name(runner) -> str:
    """The checkpoint a runner is loading, for messages of its hooks."""
    return resuming_checkpoint() or runner.cfg.get('load_from') or \
        'the loaded checkpoint'


def _refusal(filename: str, error: Exception, remote: bool) -> Exception:
    """The :class:`CheckpointError` for what loading ``filename`` raised."""
    if isinstance(error, pickle.UnpicklingError) and (
            _unsafe_globals(filename, error) or GETATTR_REFUSED in str(error)):
        return UnsafeCheckpointError(_unsafe_message(filename, error))
    if remote and isinstance(error, OSError):
        return CheckpointDownloadError(_download_message(filename, error))
    # EOFError, torch's zip reader's RuntimeError and OSError ([Errno 22])
    return CorruptCheckpointError(_corrupt_message(filename, error))


def _guarded(load: Callable) -> Callable:
    """``CheckpointLoader.load_checkpoint`` (the function) with the checks."""
    from mmengine.runner.checkpoint import load_from_local

    @functools.wraps(load)
    def load_checkpoint(cls, filename, map_location=None, logger='current'):
        remote = cls._get_checkpoint_loader(str(filename)) is not \
            load_from_local
        path = osp.expanduser(str(filename))
        if not remote and osp.isfile(path) and osp.getsize(path) == 0:
            raise CorruptCheckpointError(
                f'{filename}: empty file (0 bytes), not a checkpoint. It was '
                f'probably never written (a run stopped while saving) or not '
                f'copied: use another checkpoint, e.g. an earlier '
                f'iter_*.pth.')
        try:
            checkpoint = load(cls, filename, map_location, logger)
        except Exception as error:
            named = (FileNotFoundError, PermissionError, IsADirectoryError)
            if isinstance(error, CheckpointError) or (
                    not remote and isinstance(error, named)):
                raise  # their messages name the file
            # torch's long weights-only message is summed up in ours
            raise _refusal(filename, error, remote) from (
                None if isinstance(error, pickle.UnpicklingError) else error)
        check_checkpoint(filename, checkpoint)
        if _RESUMING.get() is not None:
            check_resume_checkpoint(filename, checkpoint)
        return checkpoint

    return load_checkpoint


PATCH = Patch(
    name='checkpoint_loader',
    upstream="mmengine's CheckpointLoader raises bare errors for unsafe, "
    "missing or corrupt checkpoints; Runner.resume runs meta['config']",
    wraps=(('mmengine.runner.checkpoint.CheckpointLoader.load_checkpoint',
            _guarded), ),
    relies_on=(
        'mmengine.runner.checkpoint.CheckpointLoader._get_checkpoint_loader',
        'mmengine.runner.Runner.resume'))
