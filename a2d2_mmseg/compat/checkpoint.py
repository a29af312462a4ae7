"""Safe loading of mmengine checkpoints: checkpoint content is data, never
code.

Since torch 2.6 ``torch.load`` defaults to ``weights_only=True``: only
tensors, containers and an allow-list of types may be unpickled. mmengine
0.10.x calls ``torch.load`` without ``weights_only``, and the checkpoints its
runner writes hold a few non-tensor objects (the message hub's
:class:`~mmengine.logging.HistoryBuffer` with numpy arrays, numpy scalars in
the runtime info), so ``--resume`` and ``tools/test.py CKPT`` fail with
"Weights only load failed ... HistoryBuffer".

Rather than turning safe loading off, :func:`register_checkpoint_safe_globals`
allow-lists exactly those types (all plain data, none can run code) with
``torch.serialization.add_safe_globals``; it runs on ``import a2d2_mmseg``,
so it also covers ``mim train/test`` through the configs' ``custom_imports``.

**No string from a checkpoint is ever run.** Unpickling is only half of it:
mmengine 0.10.7 also *executes* text stored in a checkpoint in two places.
``Runner.resume`` (and ``FlexibleRunner.resume``) passes ``meta['config']``
to ``Config.fromstring(..., file_format='.py')``, which runs it as Python to
read ``gpu_ids``; a tensor-only checkpoint that passes
``torch.load(weights_only=True)`` can therefore run any code on ``--resume``.
And ``BaseInferencer(model=None, weights=CKPT)`` runs the config text of
``message_hub.runtime_info.cfg`` / ``meta.cfg`` to build the model. The
plugin closes both, for its own tools and for mmseg's (``mim train``,
``Runner.from_cfg``) once ``a2d2_mmseg`` is imported:

* the loader below replaces ``meta['config']`` of every checkpoint it loads
  by a text it writes itself: ``gpu_ids = [...]`` when the stored text
  assigns ``gpu_ids`` a literal list of integers (or ``range(...)``), read
  with :mod:`ast` and never executed, so mmengine's GPU-count check keeps
  working; otherwise the key is dropped. mmengine's own checkpoints hold no
  ``meta['config']`` (they keep the config as ``meta['cfg']``, which nothing
  on the resume or load path runs); the seed and ``dataset_meta`` that
  ``resume`` compares are plain values and stay untouched;
* :func:`guard_inferencer_config` makes the inferencer refuse to build a
  model from a checkpoint's config text: pass the config file instead.

:func:`guard_checkpoint_loader` wraps mmengine's single entry point for
loading checkpoints, ``mmengine.runner.CheckpointLoader.load_checkpoint``
(used by ``Runner.resume``, ``Runner.load_checkpoint``, ``load_checkpoint``
and the ``Pretrained`` initialiser), so that every path (``tools/test.py``,
``tools/infer.py``, ``--resume``, ``load_from``, pretrained weights) gets:

* the ``meta['config']`` replacement above;
* a checkpoint holding a type that is not allow-listed (for example a pickle
  whose ``__reduce__`` would call ``os.system``) is refused by torch's
  weights-only unpickler before anything runs; the error is re-raised as
  :class:`UnsafeCheckpointError` naming the file and the offending types and
  saying how to proceed when the file is trusted;
* a remote checkpoint (``https://``, ``open-mmlab://``, ``torchvision://``
  ...) that cannot be downloaded (no internet) is re-raised as
  :class:`CheckpointDownloadError` telling how to pass a local file or train
  from scratch;
* an empty (0-byte), truncated or corrupt file, or one that does not hold a
  dict of the expected shape (not a dict, ``meta`` or ``state_dict`` not a
  dict, non-string weight names), raises :class:`CorruptCheckpointError`
  naming the file and what is wrong instead of torch's bare ``EOFError``,
  zip ``RuntimeError`` or a later ``AttributeError``;
* while a checkpoint is being resumed (see :func:`resuming`, set by the
  runner patch in :mod:`a2d2_mmseg.compat.resume`), what ``resume`` reads
  is checked first: ``meta`` with integer ``epoch`` and ``iter``, a valid
  seed, ``state_dict`` and ``message_hub`` dicts; a file that fails is
  refused with :class:`CorruptCheckpointError` before the runner changes
  any state.

All these errors derive from :class:`CheckpointError`.
"""
import ast
import contextlib
import contextvars
import functools
import logging
import numbers
import os.path as osp
import pickle
import re
import reprlib
from typing import Any, Callable, Iterator, List, Optional, Tuple, Union

import numpy as np
import torch
from mmengine.logging import print_log

__all__ = [
    'checkpoint_safe_globals', 'history_buffer_getattr',
    'register_checkpoint_safe_globals', 'guard_checkpoint_loader',
    'guard_inferencer_config', 'resuming', 'resuming_checkpoint',
    'sanitize_meta_config', 'check_checkpoint', 'check_resume_checkpoint',
    'checkpoint_dataset_meta', 'CheckpointError', 'UnsafeCheckpointError',
    'CheckpointDownloadError', 'CorruptCheckpointError',
    'CheckpointMismatchError'
]

SafeGlobal = Union[Callable, Tuple[Callable, str]]

# numpy dtypes of the arrays and scalars in mmengine checkpoints (message
# hub logs and runtime info; mmseg's IoU metrics kept as 'best_score').
_NUMPY_DTYPE_NAMES = ('int64', 'float32', 'float64')

# URL schemes mmengine's CheckpointLoader downloads from.
_REMOTE = re.compile(r'^([\w+.-]+:)?(https?|open-?mmlab|torchvision|modelzoo|'
                     r'mmcls|pavi|s3|petrel)://')


# Longest meta['config'] text that is parsed for its gpu_ids (configs are a
# few kB; the limit bounds the parser's time and memory on crafted input).
_MAX_CONFIG_CHARS = 1 << 20
# Most GPU ids read from a ``gpu_ids = range(...)`` in meta['config'].
_MAX_GPU_IDS = 4096
# Start of history_buffer_getattr's refusal, recognised in torch's error.
_GETATTR_REFUSED = 'is not allowed in checkpoints'

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


def _numpy_multiarray():
    """numpy's C multiarray module (``numpy._core`` in numpy 2)."""
    try:
        from numpy._core import multiarray
    except ImportError:  # numpy < 1.26
        from numpy.core import multiarray
    return multiarray


# HistoryBuffer.__getstate__ stores its class-level ``_statistics_methods``
# (HistoryBuffer.min/max/current/mean), which pickle writes as
# ``getattr(HistoryBuffer, 'min')``.
_HISTORY_BUFFER_METHODS = ('min', 'max', 'current', 'mean')


def history_buffer_getattr(obj: Any, name: str) -> Any:
    """``getattr`` restricted to HistoryBuffer's statistics methods.

    Allow-listed under the pickled name ``builtins.getattr`` so mmengine
    checkpoints load; a plain ``getattr`` would let a crafted pickle read
    any attribute of the objects it builds.
    """
    from mmengine.logging import HistoryBuffer
    if obj is HistoryBuffer and name in _HISTORY_BUFFER_METHODS:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'getattr({obj!r}, {name!r}) {_GETATTR_REFUSED}: only '
        f'HistoryBuffer.{{{",".join(_HISTORY_BUFFER_METHODS)}}} are '
        f'(a2d2_mmseg.compat.checkpoint)')


def checkpoint_safe_globals() -> List[SafeGlobal]:
    """The types mmengine checkpoints hold beyond tensors and containers.

    Found by saving checkpoints with mmengine 0.10.7's runner (resume state,
    message hub, optimizer and scheduler state, IoU metrics kept as best
    score) and loading them with ``weights_only=True``:

    * :class:`~mmengine.logging.HistoryBuffer` (rebuilt by its
      ``__setstate__``) and, for its statistics methods,
      :func:`history_buffer_getattr` under the name ``builtins.getattr``;
    * numpy arrays (``_reconstruct``, ``ndarray``) and scalars (``scalar``)
      with their ``dtype``; unpickling a dtype builds an instance of its
      concrete class, which must be allow-listed too: int64, float32 and
      float64 (``numpy.dtypes.Int64DType``, ...) are the ones that occur.

    Removing any one entry makes such checkpoints fail to load (checked by
    tests/test_compat/test_checkpoint.py). A checkpoint with other numpy
    dtypes is refused with :class:`UnsafeCheckpointError`; allow-list the
    dtype class, e.g. ``add_safe_globals([type(np.dtype('uint8'))])``.

    All are plain data: numpy reconstruction takes a dtype, a shape and raw
    bytes; none of these calls into arbitrary code.

    Returns:
        list: Objects (or ``(object, pickled name)`` pairs) for
        ``torch.serialization.add_safe_globals``.
    """
    from mmengine.logging import HistoryBuffer

    multiarray = _numpy_multiarray()
    safe: List[SafeGlobal] = [
        HistoryBuffer,
        (history_buffer_getattr, 'builtins.getattr'),
        multiarray._reconstruct,  # np.ndarray.__reduce__
        multiarray.scalar,  # numpy scalars (np.float64(1.0))
        np.ndarray,
        np.dtype,
    ]
    for name in _NUMPY_DTYPE_NAMES:
        dtype_type = type(np.dtype(name))
        if dtype_type is not np.dtype:  # numpy >= 1.25: numpy.dtypes.*DType
            safe.append(dtype_type)
    if multiarray.__name__ == 'numpy._core.multiarray':
        # Checkpoints written under numpy 1.x name the same functions
        # numpy.core.multiarray.*.
        safe += [(multiarray._reconstruct,
                  'numpy.core.multiarray._reconstruct'),
                 (multiarray.scalar, 'numpy.core.multiarray.scalar')]
    return safe


def register_checkpoint_safe_globals() -> bool:
    """Allow-list :func:`checkpoint_safe_globals` for ``torch.load``.

    Idempotent. A no-op on torch < 2.4, which has no allow-list (and loads
    with ``weights_only=False`` by default anyway).

    Returns:
        bool: Whether the types were registered.
    """
    add = getattr(torch.serialization, 'add_safe_globals', None)
    if add is None:
        return False
    current = set(map(_global_key, torch.serialization.get_safe_globals()))
    missing = [g for g in checkpoint_safe_globals()
               if _global_key(g) not in current]
    if missing:
        add(missing)
    return True


def _global_key(g: SafeGlobal) -> Tuple[Any, str]:
    if isinstance(g, tuple):
        return g
    return g, f'{g.__module__}.{g.__qualname__}'


def _unsafe_globals(filename: str, error: Exception) -> List[str]:
    """Names of the non-allow-listed globals in a checkpoint (not run)."""
    names: List[str] = []
    finder = getattr(torch.serialization, 'get_unsafe_globals_in_checkpoint',
                     None)
    if finder is not None and osp.isfile(osp.expanduser(filename)):
        try:
            names = finder(osp.expanduser(filename))
        except Exception:  # a legacy (non-zip) file: use torch's message
            names = []
    if not names:
        names = re.findall(r'GLOBAL ([\w.]+)', str(error))
    return sorted(set(names))


def _unsafe_message(filename: str, error: Exception) -> str:
    names = _unsafe_globals(filename, error)
    what = (', '.join(names) if names else
            str(error).strip().splitlines()[0][:300])
    return (
        f'Refusing to load checkpoint {filename!r}: it holds type(s) that '
        f'are not allow-listed for safe loading (torch.load(weights_only='
        f'True)): {what}. Unpickling them could run arbitrary code, so '
        f'nothing in the file was executed. a2d2_mmseg allow-lists only the '
        f'plain-data types of mmengine checkpoints '
        f'(a2d2_mmseg.compat.checkpoint.checkpoint_safe_globals). If you trust this '
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


def _reason(error: BaseException) -> str:
    """The informative line of a loading error (torch's weights-only
    message puts it after 'WeightsUnpickler error:')."""
    text = str(error)
    if 'WeightsUnpickler error:' in text:
        text = text.split('WeightsUnpickler error:', 1)[1]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    detail = lines[0][:200] if lines else ''
    return f'{type(error).__name__}: {detail}' if detail else \
        type(error).__name__


def _is_unsafe(filename: str, error: Exception) -> bool:
    """Whether a weights-only failure is a refused type (else corruption)."""
    return bool(_unsafe_globals(filename, error)) or \
        _GETATTR_REFUSED in str(error)


def _corrupt_message(filename: str, error: BaseException) -> str:
    return (
        f'{filename}: cannot read the checkpoint, the file is truncated or '
        f'corrupt ({_reason(error)}). It was probably not completely written '
        f'(a run stopped while saving) or not completely copied: copy it '
        f'again or use another checkpoint, e.g. an earlier iter_*.pth.')


def _kind(value: Any) -> str:
    return type(value).__name__


def _show(value: Any) -> str:
    """A short description of a value from a checkpoint (bounded repr)."""
    return f'{_kind(value)} {reprlib.repr(value)}'


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _literal_gpu_ids(source: Any) -> Optional[List[int]]:
    """``gpu_ids`` assigned at the top level of a config text, or None.

    Read with :func:`ast.parse` and :func:`ast.literal_eval` (a literal list
    or tuple of integers, or ``range`` of integer literals, as mmseg 0.x
    wrote it); the text is never executed.
    """
    if not isinstance(source, str) or len(source) > _MAX_CONFIG_CHARS:
        return None
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    value: Any = None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == 'gpu_ids'
                for t in node.targets):
            value = node.value
    if value is None:
        return None
    try:
        if (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
                and value.func.id == 'range' and not value.keywords):
            args = [ast.literal_eval(a) for a in value.args]
            if not 1 <= len(args) <= 3 or not all(map(_is_int, args)):
                return None
            ids = range(*args)
            if len(ids) > _MAX_GPU_IDS:
                return None
        else:
            ids = ast.literal_eval(value)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError,
            OverflowError):
        return None
    if not isinstance(ids, (list, tuple, range)) or len(ids) > _MAX_GPU_IDS \
            or not all(map(_is_int, ids)):
        return None
    return [int(i) for i in ids]


def sanitize_meta_config(meta: dict, filename: str = 'checkpoint') -> None:
    """Make ``meta['config']`` safe for mmengine's ``Runner.resume``, in
    place.

    mmengine runs ``meta['config']`` as Python (``Config.fromstring``) only
    to read ``gpu_ids``. The key is replaced by ``gpu_ids = [...]`` written
    here from the literal the stored text assigns (see
    :func:`_literal_gpu_ids`), or removed when there is none; a warning says
    which. A no-op without the key.

    Args:
        meta (dict): A checkpoint's ``meta``.
        filename (str): The checkpoint, for the warning.
    """
    if 'config' not in meta:
        return
    source = meta['config']
    ids = _literal_gpu_ids(source)
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
    """Check what every loader of a checkpoint relies on, and make its
    ``meta`` safe.

    A checkpoint is a dict: either the weights themselves or a dict with
    ``state_dict`` (the weights) and ``meta`` (a dict, or None); weight
    names are strings. ``meta['config']`` goes through
    :func:`sanitize_meta_config`.

    Args:
        filename (str): The checkpoint's name, for messages.
        checkpoint: What ``torch.load`` returned.

    Returns:
        dict: ``checkpoint``.

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


def _history_buffer_problem(name: Any, buffer: Any) -> Optional[str]:
    """What is wrong with a HistoryBuffer from a checkpoint, or None."""
    from mmengine.logging import HistoryBuffer
    if not isinstance(buffer, HistoryBuffer):
        return None  # mmengine skips non-buffers with a warning
    state = vars(buffer)
    ok = _is_int(state.get('max_length')) and state['max_length'] > 0
    for key in ('_log_history', '_count_history'):
        array = state.get(key)
        ok = ok and isinstance(array, np.ndarray) and array.ndim == 1 \
            and array.dtype.kind in 'iuf'
    if ok:
        return None
    return f"message_hub log scalar {name!r} is a broken HistoryBuffer"


def check_resume_checkpoint(filename: str, checkpoint: dict) -> dict:
    """Check what ``Runner.resume`` reads from a checkpoint, before it
    changes any state.

    ``meta`` with integer ``epoch`` and ``iter`` (>= 0) and a seed that is
    None or in [0, 2**32); a ``state_dict`` dict; a ``message_hub`` state
    (dicts ``log_scalars``, ``runtime_info``, ``resumed_keys``; the
    HistoryBuffers in it well formed); ``optimizer`` a dict and
    ``param_schedulers`` a list or dict when present. numpy integers in
    ``meta`` become ``int``.

    Args:
        filename (str): The checkpoint's name, for messages.
        checkpoint (dict): Passed :func:`check_checkpoint`.

    Returns:
        dict: ``checkpoint``.

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
            if not (_is_int(value) and value >= 0):
                problems.append(f"meta['{key}'] is "
                                + ('missing' if key not in meta else
                                   f'{_show(value)}, not an integer >= 0'))
        seed = meta.get('seed')
        if seed is not None and not (_is_int(seed) and 0 <= seed < 2**32):
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
        problems += filter(None, (_history_buffer_problem(k, v)
                                  for k, v in hub['log_scalars'].items()))
    if 'optimizer' in checkpoint and not isinstance(checkpoint['optimizer'],
                                                    dict):
        problems.append(f"'optimizer' is a {_kind(checkpoint['optimizer'])}"
                        ', not an optimizer state dict')
    schedulers = checkpoint.get('param_schedulers', [])
    if not isinstance(schedulers, (list, tuple, dict)):
        problems.append(f"'param_schedulers' is a {_kind(schedulers)}, not "
                        'a list or dict of scheduler states')
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
    """Mark ``filename`` as the checkpoint being resumed.

    Within the context the guarded loader also applies
    :func:`check_resume_checkpoint`, and :func:`resuming_checkpoint` returns
    ``filename`` (hooks use it to tell a resume from ``load_from``).
    ``Runner.resume`` runs in this context once
    :func:`a2d2_mmseg.compat.resume.guard_runner_resume` is installed.
    """
    token = _RESUMING.set(str(filename))
    try:
        yield
    finally:
        _RESUMING.reset(token)


def resuming_checkpoint() -> Optional[str]:
    """The checkpoint being resumed (see :func:`resuming`), or None."""
    return _RESUMING.get()


def checkpoint_dataset_meta(checkpoint: dict, filename: str,
                            num_classes: int) -> Optional[dict]:
    """Class names and palette saved in a checkpoint (``meta.dataset_meta``).

    Args:
        checkpoint (dict): A loaded checkpoint.
        filename (str): Its name, for messages.
        num_classes (int): The model's number of classes.

    Returns:
        dict or None: ``dict(classes=tuple, palette=list of [r, g, b])``;
        None when the checkpoint has no classes and palette, or names
        another number of classes than the model predicts.

    Raises:
        CorruptCheckpointError: ``classes``/``palette`` are present but not
            a list of names and one ``[r, g, b]`` (0-255) per class.
    """
    meta = checkpoint.get('meta')
    dataset_meta = meta.get('dataset_meta') if isinstance(meta, dict) \
        else None
    if not isinstance(dataset_meta, dict) or not {
            'classes', 'palette'} <= dataset_meta.keys():
        return None
    classes, palette = dataset_meta['classes'], dataset_meta['palette']
    ok = (isinstance(classes, (list, tuple))
          and all(isinstance(c, str) for c in classes)
          and isinstance(palette, (list, tuple))
          and len(palette) == len(classes)
          and all(isinstance(p, (list, tuple)) and len(p) == 3
                  and all(_is_int(v) and 0 <= v <= 255 for v in p)
                  for p in palette))
    if not ok:
        raise CorruptCheckpointError(
            f"{filename}: meta['dataset_meta'] is malformed: expected "
            f"'classes' a list of names and 'palette' one [r, g, b] (0-255) "
            f'per class, got {_show(classes)} and {_show(palette)}')
    if len(classes) != num_classes:
        return None
    return dict(classes=tuple(classes),
                palette=[[int(v) for v in p] for p in palette])


def _check_local_file(filename: str) -> None:
    path = osp.expanduser(str(filename))
    if osp.isfile(path) and osp.getsize(path) == 0:
        raise CorruptCheckpointError(
            f'{filename}: empty file (0 bytes), not a checkpoint. It was '
            f'probably never written (a run stopped while saving) or not '
            f'copied: use another checkpoint, e.g. an earlier iter_*.pth.')


def _guarded(load: Callable) -> Callable:
    """Wrap ``CheckpointLoader.load_checkpoint`` (the underlying function)."""

    @functools.wraps(load)
    def load_checkpoint(cls, filename, map_location=None, logger='current'):
        remote = bool(_REMOTE.match(str(filename)))
        if not remote:
            _check_local_file(filename)
        try:
            checkpoint = load(cls, filename, map_location, logger)
        except CheckpointError:
            raise
        except pickle.UnpicklingError as error:
            if _is_unsafe(filename, error):
                raise UnsafeCheckpointError(_unsafe_message(
                    filename, error)) from None
            raise CorruptCheckpointError(_corrupt_message(filename,
                                                          error)) from None
        except OSError as error:
            if remote:
                raise CheckpointDownloadError(_download_message(
                    filename, error)) from error
            if isinstance(error, (FileNotFoundError, PermissionError,
                                  IsADirectoryError)):
                raise  # their messages name the file
            # torch's zip reader on a damaged file ([Errno 22] ...)
            raise CorruptCheckpointError(_corrupt_message(
                filename, error)) from error
        except Exception as error:  # EOFError, zip RuntimeError, ...
            raise CorruptCheckpointError(_corrupt_message(
                filename, error)) from error
        check_checkpoint(filename, checkpoint)
        if _RESUMING.get() is not None:
            check_resume_checkpoint(filename, checkpoint)
        return checkpoint

    load_checkpoint._a2d2_guarded = True
    return load_checkpoint


def guard_checkpoint_loader() -> None:
    """Install the checks on mmengine's checkpoint loader.

    Replaces the classmethod
    ``mmengine.runner.checkpoint.CheckpointLoader.load_checkpoint``
    (mmengine 0.10.x) by a wrapper that calls the original (``torch.load``
    with torch's default ``weights_only``) and

    * re-raises refused types as :class:`UnsafeCheckpointError`, download
      failures of remote checkpoints as :class:`CheckpointDownloadError`,
      and empty, truncated or corrupt files as
      :class:`CorruptCheckpointError`;
    * checks the result with :func:`check_checkpoint` (which also replaces
      ``meta['config']``, see the module doc) and, inside :func:`resuming`,
      with :func:`check_resume_checkpoint`.

    Idempotent.
    """
    from mmengine.runner.checkpoint import CheckpointLoader
    current = CheckpointLoader.__dict__['load_checkpoint'].__func__
    if getattr(current, '_a2d2_guarded', False):
        return
    CheckpointLoader.load_checkpoint = classmethod(_guarded(current))


def guard_inferencer_config() -> None:
    """Make mmengine's inferencers refuse to run a checkpoint's config.

    ``BaseInferencer(model=None, weights=CKPT)`` builds the model from the
    config text stored in the checkpoint by running it as Python. The
    wrapped ``BaseInferencer._init_model`` raises
    :class:`UnsafeCheckpointError` instead, asking for the config file;
    with a config given it is unchanged. Idempotent.
    """
    from mmengine.infer import BaseInferencer
    current = BaseInferencer._init_model
    if getattr(current, '_a2d2_guarded', False):
        return

    @functools.wraps(current)
    def _init_model(self, cfg, weights, device='cpu'):
        if not cfg and weights is not None:
            raise UnsafeCheckpointError(
                f'Refusing to build the model from the config text stored in '
                f'checkpoint {weights!r}: running it would execute Python '
                f'code from the file (a2d2_mmseg never runs checkpoint '
                f'content). Pass the config file as well, e.g. '
                f'MMSegInferencer(model=CONFIG.py, weights={weights!r}).')
        return current(self, cfg, weights, device)

    _init_model._a2d2_guarded = True
    BaseInferencer._init_model = _init_model
