"""Safe loading of mmengine checkpoints on torch >= 2.6.

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

:func:`guard_checkpoint_loader` wraps mmengine's single entry point for
loading checkpoints, ``mmengine.runner.CheckpointLoader.load_checkpoint``
(used by ``Runner.resume``, ``Runner.load_checkpoint``, ``load_checkpoint``
and the ``Pretrained`` initialiser), to turn two failures into clear errors:

* a checkpoint holding a type that is not allow-listed (for example a pickle
  whose ``__reduce__`` would call ``os.system``) is refused by torch's
  weights-only unpickler before anything runs; the error is re-raised as
  :class:`UnsafeCheckpointError` naming the file and the offending types and
  saying how to proceed when the file is trusted;
* a remote checkpoint (``https://``, ``open-mmlab://``, ``torchvision://``
  ...) that cannot be downloaded (no internet) is re-raised as
  :class:`CheckpointDownloadError` telling how to pass a local file or train
  from scratch.
"""
import functools
import os.path as osp
import pickle
import re
from typing import Any, Callable, List, Tuple, Union

import numpy as np
import torch

__all__ = [
    'checkpoint_safe_globals', 'history_buffer_getattr',
    'register_checkpoint_safe_globals', 'guard_checkpoint_loader',
    'UnsafeCheckpointError', 'CheckpointDownloadError'
]

SafeGlobal = Union[Callable, Tuple[Callable, str]]

# numpy dtypes of the arrays and scalars in mmengine checkpoints (message
# hub logs and runtime info; mmseg's IoU metrics kept as 'best_score').
_NUMPY_DTYPE_NAMES = ('int64', 'float32', 'float64')

# URL schemes mmengine's CheckpointLoader downloads from.
_REMOTE = re.compile(r'^([\w+.-]+:)?(https?|open-?mmlab|torchvision|modelzoo|'
                     r'mmcls|pavi|s3|petrel)://')


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds a type that is not allow-listed for safe loading."""


class CheckpointDownloadError(RuntimeError):
    """A remote checkpoint (pretrained weights) could not be downloaded."""


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
        f'getattr({obj!r}, {name!r}) is not allowed in checkpoints: only '
        f'HistoryBuffer.{{{",".join(_HISTORY_BUFFER_METHODS)}}} are '
        f'(a2d2_mmseg.engine.checkpoint)')


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
    tests/test_engine/test_checkpoint.py). A checkpoint with other numpy
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
        f'(a2d2_mmseg.engine.checkpoint_safe_globals). If you trust this '
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


def _guarded(load: Callable) -> Callable:
    """Wrap ``CheckpointLoader.load_checkpoint`` (the underlying function)."""

    @functools.wraps(load)
    def load_checkpoint(cls, filename, map_location=None, logger='current'):
        try:
            return load(cls, filename, map_location, logger)
        except pickle.UnpicklingError as error:
            if isinstance(error, UnsafeCheckpointError):
                raise
            raise UnsafeCheckpointError(_unsafe_message(filename,
                                                        error)) from None
        except OSError as error:
            if not _REMOTE.match(str(filename)):
                raise
            raise CheckpointDownloadError(_download_message(
                filename, error)) from error

    load_checkpoint._a2d2_guarded = True
    return load_checkpoint


def guard_checkpoint_loader() -> None:
    """Install the error translation on mmengine's checkpoint loader.

    Replaces the classmethod
    ``mmengine.runner.checkpoint.CheckpointLoader.load_checkpoint``
    (mmengine 0.10.x) by a wrapper that calls the original and re-raises
    ``pickle.UnpicklingError`` as :class:`UnsafeCheckpointError` and
    download failures of remote checkpoints as
    :class:`CheckpointDownloadError`. Loading itself is unchanged
    (``torch.load`` with torch's default ``weights_only``). Idempotent.
    """
    from mmengine.runner.checkpoint import CheckpointLoader
    current = CheckpointLoader.__dict__['load_checkpoint'].__func__
    if getattr(current, '_a2d2_guarded', False):
        return
    CheckpointLoader.load_checkpoint = classmethod(_guarded(current))
