"""The non-tensor types in mmengine checkpoints, for ``weights_only`` loads.

torch >= 2.6 loads with ``weights_only=True`` (tensors, containers and an
allow-list only, so content never runs), but the checkpoints mmengine
0.10.x writes also hold the message hub's ``HistoryBuffer`` (numpy arrays
inside) and numpy scalars: ``--resume`` and ``tools/test.py CKPT`` fail
with "Weights only load failed ... HistoryBuffer". Two answers:
:data:`PATCH` allow-lists exactly those plain-data types
(:func:`checkpoint_safe_globals`) in processes that import the plugin;
:func:`to_plain_data` (the plugin's ``PlainCheckpointHook``, on save)
encodes them as tensors and numbers and :func:`from_plain_data` decodes
them, so such checkpoints load with plain ``torch.load`` anywhere.
What else loading checks: :mod:`a2d2_mmseg.compat.checkpoint`.
"""
import numbers
import pickle
from typing import Any, Callable, List, Optional, Tuple, Union

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

from a2d2_mmseg.compat import MMENGINE_0_10, Patch, is_int

__all__ = [
    'checkpoint_safe_globals', 'history_buffer_getattr',
    'register_checkpoint_safe_globals', 'history_buffer_problem',
    'to_plain_data', 'from_plain_data', 'PLAIN_KEY', 'PATCH'
]

SafeGlobal = Union[Callable, Tuple[Callable, str]]

#: The key that marks an encoded object (its value names the type).
PLAIN_KEY = '__a2d2_plain__'
# numpy dtypes of the arrays and scalars in mmengine checkpoints.
_NUMPY_DTYPE_NAMES = ('int64', 'float32', 'float64')
# numpy dtype kinds that are encoded (bool, integers, floats, complex).
_NUMERIC_KINDS = 'biufc'
# HistoryBuffer.__getstate__ pickles these as getattr(HistoryBuffer, name).
_HISTORY_BUFFER_METHODS = ('min', 'max', 'current', 'mean')
# Start of history_buffer_getattr's refusal, recognised in torch's error.
GETATTR_REFUSED = 'is not allowed in checkpoints'


def _numpy_multiarray():
    """numpy's C multiarray module (``numpy._core`` in numpy 2)."""
    try:
        from numpy._core import multiarray
    except ImportError:  # numpy < 1.26
        from numpy.core import multiarray
    return multiarray


def history_buffer_getattr(obj: Any, name: str) -> Any:
    """``getattr`` restricted to HistoryBuffer's statistics methods, allowed
    as the pickled ``builtins.getattr`` (the real one reads anything)."""
    if obj is HistoryBuffer and name in _HISTORY_BUFFER_METHODS:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'getattr({obj!r}, {name!r}) {GETATTR_REFUSED}: only '
        f'HistoryBuffer.{{{",".join(_HISTORY_BUFFER_METHODS)}}} are '
        f'(a2d2_mmseg.compat.checkpoint_types)')


def checkpoint_safe_globals() -> List[SafeGlobal]:
    """The types mmengine 0.10.7's checkpoints hold beyond tensors
    (HistoryBuffer, numpy arrays and scalars of the dtypes they use), as
    objects or ``(object, pickled name)`` pairs for
    ``torch.serialization.add_safe_globals``."""
    multiarray = _numpy_multiarray()
    safe: List[SafeGlobal] = [
        HistoryBuffer, (history_buffer_getattr, 'builtins.getattr'),
        multiarray._reconstruct, multiarray.scalar, np.ndarray, np.dtype
    ]
    for name in _NUMPY_DTYPE_NAMES:
        dtype_type = type(np.dtype(name))
        if dtype_type is not np.dtype:  # numpy >= 1.25: numpy.dtypes.*DType
            safe.append(dtype_type)
    if multiarray.__name__ == 'numpy._core.multiarray':
        # Checkpoints written under numpy 1.x name them numpy.core.*.
        safe += [(multiarray._reconstruct,
                  'numpy.core.multiarray._reconstruct'),
                 (multiarray.scalar, 'numpy.core.multiarray.scalar')]
    return safe


def _global_key(g: SafeGlobal) -> Tuple[Any, str]:
    if isinstance(g, tuple):
        return g
    return g, f'{g.__module__}.{g.__qualname__}'


def register_checkpoint_safe_globals() -> bool:
    """Allow-list :func:`checkpoint_safe_globals` (idempotent); False when
    torch has no allow-list (torch < 2.4)."""
    add = getattr(torch.serialization, 'add_safe_globals', None)
    if add is None:
        return False
    current = set(map(_global_key, torch.serialization.get_safe_globals()))
    missing = [g for g in checkpoint_safe_globals()
               if _global_key(g) not in current]
    if missing:
        add(missing)
    return True


def history_buffer_problem(name: Any, buffer: Any) -> Optional[str]:
    """What is wrong with a HistoryBuffer from a checkpoint, or None (also
    for a value that is not a HistoryBuffer)."""
    if not isinstance(buffer, HistoryBuffer):
        return None  # mmengine skips non-buffers with a warning
    state = vars(buffer)
    ok = is_int(state.get('max_length')) and state['max_length'] > 0
    arrays = [state.get(k) for k in ('_log_history', '_count_history')]
    ok = ok and all(isinstance(a, np.ndarray) and a.ndim == 1
                    and a.dtype.kind in 'iuf' for a in arrays)
    if ok and len(arrays[0]) == len(arrays[1]):
        return None
    return f'message_hub log scalar {name!r} is a broken HistoryBuffer'


def _encode(obj: Any) -> Any:
    """The plain form of one numpy array, numpy scalar or HistoryBuffer, or
    ``obj`` itself (also when it cannot be encoded)."""
    if type(obj) is HistoryBuffer:
        state = vars(obj)
        log, count = (_encode(state.get(k))
                      for k in ('_log_history', '_count_history'))
        if not (isinstance(log, dict) and isinstance(count, dict)
                and is_int(state.get('max_length'))):
            return obj
        return {PLAIN_KEY: 'HistoryBuffer',
                'max_length': int(state['max_length']),
                'log_history': log, 'count_history': count}
    if isinstance(obj, np.ndarray) and obj.dtype.kind in _NUMERIC_KINDS:
        try:
            tensor = torch.from_numpy(np.array(obj, copy=True, order='C'))
        except (TypeError, RuntimeError, ValueError):
            return obj  # no torch dtype for it (byte order, uint32, ...)
        return {PLAIN_KEY: 'numpy.ndarray', 'dtype': obj.dtype.str,
                'data': tensor}
    if isinstance(obj, np.generic) and obj.dtype.kind in _NUMERIC_KINDS:
        return {PLAIN_KEY: 'numpy.scalar', 'dtype': obj.dtype.str,
                'value': obj.item()}
    return obj


def _numeric_dtype(value: Any, where: str) -> np.dtype:
    try:
        dtype = np.dtype(value) if isinstance(value, str) else None
    except TypeError:
        dtype = None
    if dtype is None or dtype.kind not in _NUMERIC_KINDS:
        raise ValueError(f'{where}: dtype {value!r} is not a numeric numpy '
                         'dtype')
    return dtype


def _decode(obj: dict, where: str) -> Any:
    kind = obj[PLAIN_KEY]
    if kind == 'numpy.ndarray':
        data = obj.get('data')
        if not torch.is_tensor(data):
            raise ValueError(f"{where}: 'data' is not a tensor")
        dtype = _numeric_dtype(obj.get('dtype'), where)
        array = data.detach().cpu().numpy().copy()  # map_location may be GPU
        if array.dtype != dtype:
            raise ValueError(f'{where}: the tensor holds {array.dtype}, '
                             f'the encoded array {dtype}')
        return array
    if kind == 'numpy.scalar':
        dtype = _numeric_dtype(obj.get('dtype'), where)
        value = obj.get('value')
        ok = isinstance(value, bool) if dtype.kind == 'b' else (
            isinstance(value, numbers.Number)
            and not isinstance(value, bool))
        if not ok:
            raise ValueError(f"{where}: 'value' {value!r} is not a "
                             f'{dtype} value')
        try:
            return dtype.type(value)
        except (OverflowError, TypeError, ValueError) as error:
            raise ValueError(f"{where}: 'value' {value!r}: {error}") from None
    if kind == 'HistoryBuffer':
        max_length = obj.get('max_length')
        if not (type(max_length) is int and max_length > 0):
            raise ValueError(f"{where}: 'max_length' {max_length!r} is not "
                             'a positive integer')
        buffer = HistoryBuffer(max_length=max_length)
        for key in ('log_history', 'count_history'):
            value = obj.get(key)
            if not (isinstance(value, dict)
                    and value.get(PLAIN_KEY) == 'numpy.ndarray'):
                raise ValueError(f'{where}: {key!r} is not an encoded array')
            setattr(buffer, f'_{key}', _decode(value, f'{where}.{key}'))
        if history_buffer_problem(where, buffer) is not None:
            raise ValueError(f'{where}: the histories are not one-dimensional '
                             'numeric arrays of one length')
        return buffer
    raise ValueError(f'{where}: unknown encoded type {kind!r}')


def _map(obj: Any, convert: Callable[[Any, str], Any], where: str) -> Any:
    """``convert`` on ``obj`` and, where it returns ``obj``, on its items
    (dicts and lists in place; tuples rebuilt)."""
    new = convert(obj, where)
    if new is not obj:
        return new
    if isinstance(obj, (dict, list)):
        keys = obj.keys() if isinstance(obj, dict) else range(len(obj))
        for key in list(keys):
            item = _map(obj[key], convert, f'{where}[{key!r}]')
            if item is not obj[key]:
                obj[key] = item
    elif type(obj) is tuple:
        items = [_map(v, convert, f'{where}[{i}]') for i, v in enumerate(obj)]
        if any(new is not old for new, old in zip(items, obj)):
            return tuple(items)
    return obj


def to_plain_data(obj: Any) -> Any:
    """Encode the numpy arrays, numpy scalars and HistoryBuffers in ``obj``
    (a checkpoint or part of one) as ``{PLAIN_KEY: type name, ...}`` dicts of
    tensors and numbers; dicts and lists change in place."""
    return _map(obj, lambda value, where: _encode(value), 'checkpoint')


def from_plain_data(obj: Any, where: str = 'checkpoint') -> Any:
    """Decode what :func:`to_plain_data` encoded (same values, dtypes and
    lengths), in place where it can.

    Raises:
        ValueError: An encoded value is malformed (the message says
            where, starting from ``where``).
    """
    def decode(value: Any, at: str) -> Any:
        if isinstance(value, dict) and PLAIN_KEY in value:
            return _decode(value, at)
        return value

    return _map(obj, decode, where)


PATCH = Patch(
    name='checkpoint_safe_globals',
    upstream='mmengine 0.10 checkpoints hold HistoryBuffer and numpy '
    'objects, which torch>=2.6 weights_only loading refuses',
    requires=('torch>=2.4', MMENGINE_0_10),
    setup=register_checkpoint_safe_globals,
    relies_on=('mmengine.logging.HistoryBuffer', ))
