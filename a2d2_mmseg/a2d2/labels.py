"""A2D2 label files -> class indices, for the three :data:`FORMATS`.

'rgb' (A2D2's colour PNGs, :mod:`.colours`), 'index' (the converter's
38-category masks) and 'npy' (the seed's masks, :mod:`.npy_masks`). The
dataset and the checker decode through :func:`get_decoder`, so both refuse
the same files.
"""
import functools
import inspect
from collections.abc import Mapping
from typing import Dict, Optional, Tuple, Union

import numpy as np

from a2d2_mmseg.a2d2.class_list import (A2D2_CATEGORIES, class_list_key,
                                        listed)
from a2d2_mmseg.a2d2.class_sets import (IGNORE_INDEX, build_class_set,
                                        category_lut, class_set_key,
                                        class_set_spec)
from a2d2_mmseg.a2d2.colours import get_mapper
from a2d2_mmseg.a2d2.images import (MAX_IMAGE_SIDE, A2D2LabelError,
                                    imdecode_no_orientation, png_colour_type)
from a2d2_mmseg.a2d2.npy_masks import load_npy_mask

#: A2D2's RGB colour PNGs, the converter's index masks, the seed's masks.
FORMATS = ('rgb', 'index', 'npy')


class UnknownColourWarning(UserWarning):
    """A label holds colours that are in no palette (mapped to 255)."""


def out_of_range_values(mask: np.ndarray,
                        num_classes: int) -> Dict[int, int]:
    """Values of an index mask that are neither a class nor 255, with pixel
    counts."""
    if not mask.size or int(mask.max()) < num_classes:
        return {}
    valid = np.zeros(max(256, int(mask.max()) + 1), dtype=bool)
    valid[:num_classes] = True
    valid[IGNORE_INDEX] = True
    bad = ~valid[mask]
    if not bad.any():
        return {}
    values, counts = np.unique(mask[bad], return_counts=True)
    return {int(v): int(n) for v, n in zip(values, counts)}


def check_index_range(mask: np.ndarray, num_classes: int, path: str,
                      what: str = 'mask') -> None:
    """Raise :class:`A2D2LabelError` for values neither a class index nor
    255."""
    bad = out_of_range_values(mask, num_classes)
    if bad:
        shown = listed([f'{v}: {n}' for v, n in bad.items()], limit=8,
                       more=' (+{} more)')
        raise A2D2LabelError(
            f'{path}: {what} values outside the {num_classes} classes '
            f'(0..{num_classes - 1}) and {IGNORE_INDEX} (ignore), pixels per '
            f'value: {shown}')


def decode_png_label(data: bytes,
                     path: str,
                     expected_size: Optional[Tuple[int, int]] = None,
                     expected_from: str = '',
                     max_side: Optional[int] = MAX_IMAGE_SIDE,
                     label_format: str = 'rgb') -> np.ndarray:
    """Decode a label PNG as stored (header size checked first).

    Args:
        expected_size (tuple[int, int], optional): ``(width, height)`` of the
            paired camera image ``expected_from``.
        max_side (int, optional): Largest side accepted; None for no limit.
        label_format (str): 'rgb' (A2D2's colour labels) or 'index' (the
            converter's single-channel masks).

    Returns:
        np.ndarray: 'rgb': BGR uint8 ``[H, W, 3]``; 'index': uint8 ``[H, W]``.

    Raises:
        A2D2LabelError: Empty, not a PNG, corrupt, of the wrong size, or not
            8-bit RGB / single-channel (grayscale, RGBA and palette colour
            labels are re-saved files).
    """
    if not data:
        raise A2D2LabelError(f'{path}: empty file (0 bytes)', 'empty')
    colour_type = png_colour_type(data)
    if colour_type is None:
        raise A2D2LabelError(f'{path}: not a PNG file', 'not_png')
    rgb = label_format == 'rgb'
    if rgb and colour_type != 'RGB':
        raise A2D2LabelError(
            f'{path}: {colour_type} PNG where an RGB colour label is '
            'expected')
    img = imdecode_no_orientation(data, path, 'unchanged', expected_size,
                                  expected_from, max_side, kind='label')
    if img.dtype != np.uint8 or img.shape[2:] != ((3, ) if rgb else ()):
        what = ('an 8-bit RGB label' if rgb else
                'a single-channel 8-bit index mask')
        raise A2D2LabelError(f'{path}: expected {what}, decoded dtype '
                             f'{img.dtype} with shape {img.shape}')
    return img


#: :func:`decode_png_label` of A2D2's colour labels and of converted masks.
decode_rgb_label = functools.partial(decode_png_label, label_format='rgb')
decode_index_mask = functools.partial(decode_png_label, label_format='index')


class LabelDecoder:
    """One label file's bytes -> class indices, for one format and class set.

    Holds the tables built once (colour table, category table, label map);
    get it through :func:`get_decoder`. ``class_set``, ``class_list`` and
    ``allow_unknown_classes`` are :func:`~.class_sets.build_class_set`'s,
    ``snap_distance`` :class:`~.colours.ColourMapper`'s ('rgb' only).

    Args:
        label_format (str): One of :data:`FORMATS`. Defaults to 'rgb'.
        max_side (int, optional): Largest side accepted from a header.
        label_map (dict, optional): Class index -> index applied last (an
            mmseg dataset's ``label_map``).
    """

    def __init__(self,
                 label_format: str = 'rgb',
                 class_set: Union[str, Mapping] = 'full',
                 class_list: Union[str, Dict[str, str], None] = None,
                 allow_unknown_classes: bool = False,
                 snap_distance: float = 0,
                 max_side: Optional[int] = MAX_IMAGE_SIDE,
                 label_map: Optional[Dict[int, int]] = None) -> None:
        if label_format not in FORMATS:
            raise ValueError(f"label_format must be 'rgb', 'index' or "
                             f"'npy', got {label_format!r}")
        self.label_format = label_format
        self.class_set = class_set_spec(class_set)
        self.max_side = max_side
        allow = allow_unknown_classes
        self.num_classes = len(
            build_class_set(class_set, class_list, allow).classes)
        self._mapper = (get_mapper(class_set, class_list, snap_distance,
                                   allow) if label_format == 'rgb' else None)
        # One table applied last: full category -> class (converted masks
        # hold the full categories), then the label map.
        lut = np.arange(256, dtype=np.uint8)
        for old, new in (label_map or {}).items():
            lut[old] = new
        if label_format == 'index':
            lut = lut[category_lut(class_set, class_list, allow)]
        self._lut = None if np.array_equal(lut, np.arange(256)) else lut

    def __call__(self,
                 data: bytes,
                 path: str,
                 expected_size: Optional[Tuple[int, int]] = None,
                 expected_from: str = '',
                 mask_size: str = 'image'
                 ) -> Tuple[np.ndarray, Dict[Tuple[int, int, int], int]]:
        """Decode and map one label file.

        Args:
            expected_size (tuple[int, int], optional): ``(width, height)`` of
                the paired image ``expected_from``, checked from the header.
            mask_size (str): 'image' or 'stored' (.npy masks, see
                :func:`~.npy_masks.check_npy_header`). Defaults to 'image'.

        Returns:
            tuple: ``index`` (uint8 ``[H, W]``) and ``unknown`` (``{(r, g, b):
            pixels}`` of colours outside the class list, set to 255).

        Raises:
            A2D2LabelError: The file cannot be used or holds values that are
                not class indices.
        """
        unknown: Dict[Tuple[int, int, int], int] = {}
        if self.label_format == 'npy':
            gt = load_npy_mask(data, path, self.max_side, self.num_classes,
                               expected_size, expected_from, mask_size)
            check_index_range(gt, self.num_classes, path)
        else:
            gt = decode_png_label(data, path, expected_size, expected_from,
                                  self.max_side, self.label_format)
            if self._mapper is not None:
                gt, unknown = self._mapper(gt, channel_order='bgr')
            else:
                check_index_range(gt, len(A2D2_CATEGORIES), path)
        if self._lut is not None:
            gt = np.take(self._lut, gt)
        return gt, unknown

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(label_format={self.label_format!r}, '
                f'class_set={self.class_set!r}, '
                f'num_classes={self.num_classes})')


def get_decoder(*args, **kwargs) -> LabelDecoder:
    """The process-wide :class:`LabelDecoder` of these arguments (its
    arguments; a small LRU; a rgb decoder shares its 16 MiB table with
    get_mapper's cache)."""
    bound = inspect.signature(LabelDecoder).bind(*args, **kwargs)
    bound.apply_defaults()
    fmt, class_set, class_list, allow, snap, max_side, label_map = bound.args
    key = (fmt, class_set_key(class_set), class_list_key(class_list),
           bool(allow), float(snap), max_side,
           tuple(sorted(label_map.items())) if label_map else ())
    decoder = _DECODERS.pop(key, None) or LabelDecoder(*bound.args)
    _DECODERS[key] = decoder  # the most recently used last
    if len(_DECODERS) > _MAX_DECODERS:
        del _DECODERS[next(iter(_DECODERS))]
    return decoder


_DECODERS: Dict[tuple, LabelDecoder] = {}
_MAX_DECODERS = 16
