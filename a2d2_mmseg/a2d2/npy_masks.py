"""The seed study's ``.npy`` masks: header checked before the data is read.

``np.load`` allocates the declared shape first, so a sparse 4 KB file
could ask for gigabytes (docs/safety.md). Class indices or one-hot masks
become class indices.
"""
import io
import os
from typing import BinaryIO, NoReturn, Optional, Tuple

import numpy as np

from a2d2_mmseg.a2d2.images import MAX_IMAGE_SIDE, A2D2LabelError

_NPY_MAGIC = b'\x93NUMPY'
#: The longest .npy header read (numpy's own limit; a mask's is ~128 B).
NPY_MAX_HEADER = 10000


def _class_axis(shape: Tuple[int, ...], path: str,
                num_classes: Optional[int]) -> int:
    """The class axis (0 or 2) of a one-hot shape."""
    if num_classes is None:
        raise A2D2LabelError(
            f'{path}: a one-hot mask of shape {shape} needs the number '
            'of classes to tell its class axis')
    last, first = shape[2] == num_classes, shape[0] == num_classes
    if last == first:
        why = ('both' if last else 'neither')
        raise A2D2LabelError(
            f'{path}: cannot tell the class axis of the one-hot mask of '
            f'shape {shape}: {why} of axis 0 and axis 2 have the '
            f'{num_classes} classes of the class set',
            'other' if last else 'wrong_class_count')
    return 0 if first else 2


def check_npy_header(f: BinaryIO,
                     path: str,
                     file_size: int,
                     expected_size: Optional[Tuple[int, int]] = None,
                     expected_from: str = '',
                     max_side: Optional[int] = MAX_IMAGE_SIDE,
                     num_classes: Optional[int] = None,
                     mask_size: str = 'image') -> Tuple[int, ...]:
    """Read and check a .npy mask's header, before its data is read.

    The header (at most :data:`NPY_MAX_HEADER` bytes) must declare a 2-D
    mask ``[H, W]`` (or ``[H, W, 1]``) or a one-hot ``[H, W, C]`` /
    ``[C, H, W]`` with ``C == num_classes``, of an integer, bool or float
    dtype, no side above ``max_side``, data the file holds, and, with
    ``expected_size``: the image's size (``mask_size='image'``) or no more
    pixels than the image ('stored'); without it at most ``max_side ** 2``
    values.

    Args:
        f (BinaryIO): The file (or a ``BytesIO`` of it), at its start.
        expected_size (tuple[int, int], optional): ``(width, height)`` of the
            paired image ``expected_from``; None when not known.
        max_side (int, optional): Largest side accepted; None for no limit.

    Returns:
        tuple[int, ...]: The declared shape.

    Raises:
        A2D2LabelError: The header cannot be read or does not fit.
    """
    def refuse(why: str, reason: str = 'corrupt') -> NoReturn:
        raise A2D2LabelError(f'{path}: not a readable .npy array: {why}',
                             reason)

    head = f.read(len(_NPY_MAGIC) + 2)
    if len(head) < len(_NPY_MAGIC) + 2 or not head.startswith(_NPY_MAGIC):
        refuse('no .npy header')
    length_bytes = {1: 2, 2: 4}.get(head[-2])
    if length_bytes is None:
        refuse(f'.npy format version {head[-2]}.{head[-1]} is not read '
               '(np.save writes 1.0 or 2.0)')
    head += f.read(length_bytes)
    header_len = int.from_bytes(head[-length_bytes:], 'little')
    if header_len > NPY_MAX_HEADER:
        refuse(f'the header is {header_len} bytes long, more than the '
               f'{NPY_MAX_HEADER} a mask needs')
    head += f.read(header_len)
    buf = io.BytesIO(head)
    try:
        version = np.lib.format.read_magic(buf)
        read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                else np.lib.format.read_array_header_2_0)
        shape, _, dtype = read(buf)
    except Exception as e:  # ValueError/TypeError/SyntaxError/EOFError...
        refuse(f'cannot read its header ({e})')
    shape = tuple(int(n) for n in shape)
    if len(shape) not in (2, 3) or dtype.kind not in 'biuf':
        raise A2D2LabelError(
            f'{path}: expected a 2-D integer mask or a 3-D one-hot mask, the '
            f'header declares dtype {dtype} with shape {shape}')
    height, width = shape[:2]
    if len(shape) == 3 and shape[2] != 1 and _class_axis(
            shape, path, num_classes) == 0:
        height, width = shape[1:]
    if max_side is not None and max(height, width) > max_side:
        refuse(f'the header declares shape {shape}, more than the limit of '
               f'{max_side} per side; refused before loading', 'too_large')
    values = int(np.prod(shape, dtype=object))
    if expected_size is not None:
        img_w, img_h = expected_size
        if mask_size == 'image' and (width, height) != (img_w, img_h):
            raise A2D2LabelError(
                f'{path}: label is {width}x{height} (WxH) but its image '
                f"{expected_from} is {img_w}x{img_h} (A2D2Dataset(mask_size="
                "'stored') lets the seed's preprocessed masks keep their "
                f'size; refused from the .npy header, shape {shape}, before '
                'loading)', 'size_mismatch')
        if width * height > img_w * img_h:
            refuse(f'the header declares shape {shape}, a {width}x{height} '
                   f'(WxH) mask, more pixels than its image {expected_from} '
                   f'({img_w}x{img_h}); refused before loading', 'too_large')
    elif max_side is not None and values > max_side**2:
        refuse(f'the header declares shape {shape}, more than the '
               f'{max_side}x{max_side} values a mask without a paired image '
               'may hold; refused before loading', 'too_large')
    declared = values * dtype.itemsize
    available = file_size - len(head)
    if declared > available:
        refuse(f'truncated: the header declares shape {shape} of {dtype} '
               f'({declared} bytes), the file holds {available}')
    return shape


def read_npy_file(path: str,
                  expected_size: Optional[Tuple[int, int]] = None,
                  expected_from: str = '',
                  max_side: Optional[int] = MAX_IMAGE_SIDE,
                  num_classes: Optional[int] = None,
                  mask_size: str = 'image') -> bytes:
    """The bytes of a local .npy mask, its header checked first
    (:func:`check_npy_header`'s arguments); for :func:`load_npy_mask`, which
    refuses an empty file."""
    try:
        with open(path, 'rb') as f:
            size = os.fstat(f.fileno()).st_size
            if f.read(len(_NPY_MAGIC)) == _NPY_MAGIC:
                f.seek(0)
                check_npy_header(f, path, size, expected_size, expected_from,
                                 max_side, num_classes, mask_size)
            f.seek(0)
            return f.read()
    except MemoryError:
        raise A2D2LabelError(
            f'{path}: not a readable .npy array: {size} bytes do not fit in '
            'memory', 'too_large') from None
    except FileNotFoundError:
        raise A2D2LabelError(f'{path}: label file not found',
                             'not_found') from None
    except OSError as e:
        raise A2D2LabelError(f'{path}: cannot read: {e}',
                             'unreadable') from None


def _one_hot_to_index(arr: np.ndarray, path: str,
                      num_classes: Optional[int]) -> np.ndarray:
    """Class indices of a one-hot mask, ``[H, W, C]`` or ``[C, H, W]``."""
    if _class_axis(arr.shape, path, num_classes) == 0:
        arr = np.moveaxis(arr, 0, -1)
    bad = ((arr == 1).sum(-1) != 1) | ~((arr == 0) | (arr == 1)).all(-1)
    if bad.any():
        y, x = np.unravel_index(int(np.argmax(bad)), bad.shape)
        values = arr[y, x].tolist()
        raise A2D2LabelError(
            f'{path}: not a one-hot mask ({int(bad.sum())} bad pixels): '
            f'pixel (x={x}, y={y}) holds {values} over the {num_classes} '
            'classes, where exactly one value must be 1 and the others 0',
            'not_one_hot')
    return arr.argmax(-1).astype(np.uint8)


def load_npy_mask(data: bytes,
                  path: str,
                  max_side: Optional[int] = MAX_IMAGE_SIDE,
                  num_classes: Optional[int] = None,
                  expected_size: Optional[Tuple[int, int]] = None,
                  expected_from: str = '',
                  mask_size: str = 'image') -> np.ndarray:
    """Load a seed-layout ``<n>_mask.npy``: class indices or one-hot.

    Args:
        data (bytes): The file (:func:`read_npy_file`).
        num_classes (int, optional): The class count; needed for a one-hot
            mask (integer, bool or float 0/1 values).
        max_side, expected_size, expected_from, mask_size: See
            :func:`check_npy_header`.

    Returns:
        np.ndarray: uint8 ``[H, W]`` class indices (values checked by the
        caller).

    Raises:
        A2D2LabelError: Not a readable .npy, empty, a 2-D mask not integer or
            not in 0..255, or a one-hot mask whose class axis cannot be told or
            with a pixel without exactly one 1 (the first is named).
    """
    if not data:
        raise A2D2LabelError(f'{path}: empty file (0 bytes)', 'empty')
    if data.startswith(_NPY_MAGIC):
        check_npy_header(io.BytesIO(data), path, len(data), expected_size,
                         expected_from, max_side, num_classes, mask_size)
    try:
        arr = np.load(io.BytesIO(data), allow_pickle=False)
    except Exception as e:  # numpy raises ValueError/EOFError/OSError/...
        raise A2D2LabelError(f'{path}: not a readable .npy array: {e}',
                             'corrupt') from e
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if not arr.size:
        raise A2D2LabelError(f'{path}: empty mask (shape {arr.shape})')
    if arr.ndim == 3 and arr.dtype.kind in 'iubf':
        return _one_hot_to_index(arr, path, num_classes)
    if arr.ndim != 2 or arr.dtype.kind not in 'iub':
        raise A2D2LabelError(
            f'{path}: expected a 2-D integer mask or a 3-D one-hot mask, got '
            f'dtype {arr.dtype} with shape {arr.shape}')
    if arr.min() < 0 or arr.max() > 255:
        raise A2D2LabelError(
            f'{path}: mask values must be in 0..255, found '
            f'{arr.min()}..{arr.max()}', 'out_of_range_values')
    return arr.astype(np.uint8)
