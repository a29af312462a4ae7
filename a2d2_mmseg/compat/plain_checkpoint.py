"""Checkpoints of plain data: loadable by ``torch.load`` without the plugin.

mmengine 0.10.7's runner writes into every checkpoint the message hub's
:class:`~mmengine.logging.HistoryBuffer` objects (their logs are numpy
arrays) and numpy scalars (``runtime_info['eta']``; ``best_score`` when the
checkpoint hook keeps the best model). torch >= 2.6 loads with
``weights_only=True`` by default and refuses those types, so every loader
that is not the plugin's fails on such a file: mmseg's
``tools/misc/publish_model.py`` (plain ``torch.load``),
``MMSegInferencer(weights=CKPT)`` without a config, ``mim`` tools run
without ``custom_imports``, any script that does not
``import a2d2_mmseg.plugin`` (which allow-lists them,
:mod:`a2d2_mmseg.compat.checkpoint`).

:class:`PlainCheckpointHook` (in ``configs/_base_/default_runtime.py``)
makes the checkpoints the runner writes plain data instead: at
``before_save_checkpoint`` :func:`to_plain_data` replaces

* a ``HistoryBuffer`` by ``{'__a2d2_plain__': 'HistoryBuffer',
  'max_length': int, 'log_history': ..., 'count_history': ...}``,
* a numpy array by ``{'__a2d2_plain__': 'numpy.ndarray', 'dtype': str,
  'data': tensor}`` (the tensor holds the same values and shape),
* a numpy scalar by ``{'__a2d2_plain__': 'numpy.scalar', 'dtype': str,
  'value': int | float | bool | complex}``,

wherever they are in the checkpoint, and at ``after_load_checkpoint``
:func:`from_plain_data` turns them back into the same objects (same values,
dtypes and lengths), before ``Runner.resume`` hands the message hub state to
``MessageHub.load_state_dict``; so ``--resume`` restores the message hub
exactly. Weights, optimizer and scheduler states are tensors and plain
values already and stay as they are.

A checkpoint written with the hook loads with ``torch.load(path)`` (torch's
default ``weights_only=True``) in any interpreter, without an allow-list
and without the plugin. Checkpoints written without it still need
``import a2d2_mmseg.plugin`` (or its allow-list) to load. Nothing of the loading
side gets weaker: no type is allow-listed for this, and the encoded values
are restored only from tensors, numbers and dtype names of numeric kinds.
"""
import numbers
from typing import Any, Optional

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.logging import HistoryBuffer
from mmseg.registry import HOOKS

from a2d2_mmseg.compat.checkpoint import CorruptCheckpointError, resuming_checkpoint

__all__ = [
    'PlainCheckpointHook', 'to_plain_data', 'from_plain_data', 'PLAIN_KEY'
]

#: The key that marks an encoded object (its value names the type).
PLAIN_KEY = '__a2d2_plain__'
# numpy dtype kinds that are encoded: bool, signed and unsigned integers,
# floats and complex numbers (all have tensor and Python counterparts).
_NUMERIC_KINDS = 'biufc'


def _tensor_from(array: np.ndarray) -> Optional[torch.Tensor]:
    """A tensor with the array's values and shape, or None when torch has
    no dtype for it (a non-native byte order, an unsigned type torch lacks).
    """
    try:
        return torch.from_numpy(np.array(array, copy=True, order='C'))
    except (TypeError, RuntimeError, ValueError):
        return None


def _encode(obj: Any) -> Any:
    """The plain form of one numpy array, numpy scalar or HistoryBuffer, or
    ``obj`` itself when it is none of them (or cannot be encoded)."""
    if type(obj) is HistoryBuffer:
        state = vars(obj)
        log, count = state.get('_log_history'), state.get('_count_history')
        encoded = (_encode(log), _encode(count))
        if not all(isinstance(e, dict) for e in encoded) or not isinstance(
                state.get('max_length'), numbers.Integral):
            return obj
        return {
            PLAIN_KEY: 'HistoryBuffer',
            'max_length': int(state['max_length']),
            'log_history': encoded[0],
            'count_history': encoded[1]
        }
    if isinstance(obj, np.ndarray) and obj.dtype.kind in _NUMERIC_KINDS:
        tensor = _tensor_from(obj)
        if tensor is None:
            return obj
        return {PLAIN_KEY: 'numpy.ndarray', 'dtype': obj.dtype.str,
                'data': tensor}
    if isinstance(obj, np.generic) and obj.dtype.kind in _NUMERIC_KINDS:
        return {PLAIN_KEY: 'numpy.scalar', 'dtype': obj.dtype.str,
                'value': obj.item()}
    return obj


def to_plain_data(obj: Any) -> Any:
    """Encode the numpy arrays, numpy scalars and HistoryBuffers in ``obj``.

    Dicts and lists are changed in place (so an ``OrderedDict`` keeps its
    type and attributes); a tuple that holds an encoded value is rebuilt.
    Tensors and other values are left as they are.

    Args:
        obj: A checkpoint, or any part of one.

    Returns:
        The encoded object (``obj`` itself unless it is encoded or a tuple
        with encoded items).
    """
    encoded = _encode(obj)
    if encoded is not obj:
        return encoded
    if isinstance(obj, dict):
        for key, value in obj.items():
            new = to_plain_data(value)
            if new is not value:
                obj[key] = new
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            new = to_plain_data(value)
            if new is not value:
                obj[i] = new
    elif type(obj) is tuple:
        items = [to_plain_data(v) for v in obj]
        if any(new is not old for new, old in zip(items, obj)):
            return tuple(items)
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
        # The runner may load checkpoints onto the GPU (map_location).
        array = data.detach().cpu().numpy().copy()
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
        arrays = []
        for key in ('log_history', 'count_history'):
            value = obj.get(key)
            if not (isinstance(value, dict)
                    and value.get(PLAIN_KEY) == 'numpy.ndarray'):
                raise ValueError(f'{where}: {key!r} is not an encoded array')
            array = _decode(value, f'{where}.{key}')
            if array.ndim != 1:
                raise ValueError(f'{where}: {key!r} is not one-dimensional')
            arrays.append(array)
        if len(arrays[0]) != len(arrays[1]):
            raise ValueError(f'{where}: log and count histories differ in '
                             'length')
        buffer = HistoryBuffer(max_length=max_length)
        buffer._log_history, buffer._count_history = arrays
        return buffer
    raise ValueError(f'{where}: unknown encoded type {kind!r}')


def from_plain_data(obj: Any, where: str = 'checkpoint') -> Any:
    """Decode what :func:`to_plain_data` encoded, in place where it can.

    Args:
        obj: A loaded checkpoint, or any part of one.
        where (str): Where ``obj`` is, for error messages.

    Returns:
        The decoded object.

    Raises:
        ValueError: An encoded value is malformed (the message says where).
    """
    if isinstance(obj, dict):
        if PLAIN_KEY in obj:
            return _decode(obj, where)
        for key, value in obj.items():
            new = from_plain_data(value, f'{where}[{key!r}]')
            if new is not value:
                obj[key] = new
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            new = from_plain_data(value, f'{where}[{i}]')
            if new is not value:
                obj[i] = new
    elif type(obj) is tuple:
        items = [from_plain_data(v, f'{where}[{i}]')
                 for i, v in enumerate(obj)]
        if any(new is not old for new, old in zip(items, obj)):
            return tuple(items)
    return obj


@HOOKS.register_module()
class PlainCheckpointHook(Hook):
    """Write checkpoints as plain data; read them back as mmengine wrote
    them (see the module doc).

    * ``before_save_checkpoint``: :func:`to_plain_data` on the checkpoint.
      The priority is ``'LOWEST'``, so values other hooks add are encoded
      too.
    * ``after_load_checkpoint``: :func:`from_plain_data`, before the runner
      reads the checkpoint's message hub and meta (``--resume``) or weights
      (``load_from``). A malformed encoded value raises
      :class:`~a2d2_mmseg.compat.checkpoint.CorruptCheckpointError` naming
      the file and the value.
    """

    priority = 'LOWEST'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        to_plain_data(checkpoint)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        filename = resuming_checkpoint() or runner.cfg.get('load_from') or \
            'the loaded checkpoint'
        try:
            from_plain_data(checkpoint, 'checkpoint')
        except ValueError as error:
            raise CorruptCheckpointError(
                f'{filename}: malformed plain-data value: {error}') from None
