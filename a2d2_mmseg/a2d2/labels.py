"""A2D2 label files -> class indices, for the three :data:`FORMATS`.

'rgb' (A2D2's colour PNGs, :mod:`.colours`), 'index' (the converter's
38-category masks) and 'npy' (the seed's masks, :mod:`.npy_masks`). The
dataset and the checker decode through :func:`get_decoder`, so both refuse
the same files.
"""
from collections import OrderedDict
from collections.abc import Mapping
from typing import Dict, Optional, Tuple, Union

import numpy as np

from a2d2_mmseg.a2d2.class_list import class_list_key
from a2d2_mmseg.a2d2.class_sets import (IGNORE_INDEX, category_lut, class_set_from_keys,
                         class_set_key, class_set_spec)
from a2d2_mmseg.a2d2.colours import mapper_from_keys
from a2d2_mmseg.a2d2.images import (MAX_IMAGE_SIDE, A2D2LabelError,
                                    imdecode_no_orientation, png_colour_type)
from a2d2_mmseg.a2d2.npy_masks import load_npy_mask

__all__ = [
    'FORMATS', 'UnknownColourWarning', 'out_of_range_values',
    'check_index_range', 'decode_rgb_label', 'decode_index_mask',
    'LabelDecoder', 'get_decoder'
]

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
        shown = ', '.join(f'{v}: {n}' for v, n in list(bad.items())[:8])
        more = '' if len(bad) <= 8 else f' (+{len(bad) - 8} more)'
        raise A2D2LabelError(
            f'{path}: {what} values outside the {num_classes} classes '
            f'(0..{num_classes - 1}) and {IGNORE_INDEX} (ignore), pixels per '
            f'value: {shown}{more}')


def _decode_png_label(data: bytes, path: str, rgb: bool,
                      expected_size: Optional[Tuple[int, int]],
                      expected_from: str,
                      max_side: Optional[int]) -> np.ndarray:
    """Refuse an empty, non-PNG (or non-RGB) label, then decode it as
    stored."""
    if not data:
        raise A2D2LabelError(f'{path}: empty file (0 bytes)', 'empty')
    colour_type = png_colour_type(data)
    if colour_type is None:
        raise A2D2LabelError(f'{path}: not a PNG file')
    if rgb and colour_type != 'RGB':
        raise A2D2LabelError(
            f'{path}: {colour_type} PNG where an RGB colour label is '
            'expected')
    return imdecode_no_orientation(data, path, 'unchanged', expected_size,
                                   expected_from, max_side, kind='label')


def decode_rgb_label(data: bytes,
                     path: str,
                     expected_size: Optional[Tuple[int, int]] = None,
                     expected_from: str = '',
                     max_side: Optional[int] = MAX_IMAGE_SIDE) -> np.ndarray:
    """Decode an A2D2 RGB label PNG as stored (header size checked first).

    Args:
        data (bytes): The PNG file.
        path (str): Its path, named in every error.
        expected_size (tuple[int, int], optional): ``(width, height)`` of the
            paired camera image. Defaults to None.
        expected_from (str): The paired image's path, for the message.
        max_side (int, optional): Largest side accepted; None for no limit.

    Returns:
        np.ndarray: BGR uint8 ``[H, W, 3]``.

    Raises:
        A2D2LabelError: Empty, not a PNG, corrupt, of the wrong size, or not
            8-bit RGB (grayscale, RGBA and palette labels are re-saved files).
    """
    img = _decode_png_label(data, path, True, expected_size, expected_from,
                            max_side)
    if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
        raise A2D2LabelError(
            f'{path}: expected an 8-bit RGB label, decoded dtype '
            f'{img.dtype} with shape {img.shape}')
    return img


def decode_index_mask(data: bytes,
                      path: str,
                      expected_size: Optional[Tuple[int, int]] = None,
                      expected_from: str = '',
                      max_side: Optional[int] = MAX_IMAGE_SIDE) -> np.ndarray:
    """Decode a single-channel uint8 index mask PNG (converted layout).

    Args and checks as :func:`decode_rgb_label`.

    Returns:
        np.ndarray: uint8 ``[H, W]``.
    """
    img = _decode_png_label(data, path, False, expected_size, expected_from,
                            max_side)
    if img.dtype != np.uint8 or img.ndim != 2:
        raise A2D2LabelError(
            f'{path}: expected a single-channel 8-bit index mask, decoded '
            f'dtype {img.dtype} with shape {img.shape}')
    return img


class LabelDecoder:
    """One label file's bytes -> class indices, for one format and class set.

    Holds the tables built once (colour table, category table, label map);
    get it through :func:`get_decoder`.

    Args:
        label_format (str): One of :data:`FORMATS`. Defaults to 'rgb'.
        class_set (str | dict): See :func:`~.class_sets.build_class_set`.
            Defaults to 'full'.
        class_list (str | dict, optional): The ``class_list.json``; None for
            A2D2's own list.
        allow_unknown_classes (bool): See
            :func:`~.class_sets.build_class_set`. Defaults to False.
        snap_distance (float): See :class:`~.colours.ColourMapper` ('rgb'
            only). Defaults to 0.
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
        cs_key, key = class_set_key(class_set), class_list_key(class_list)
        allow = bool(allow_unknown_classes)
        self.num_classes = len(class_set_from_keys(cs_key, key,
                                                   allow).classes)
        self._mapper = self._category_lut = None
        if label_format == 'rgb':
            self._mapper = mapper_from_keys(cs_key, key, float(snap_distance),
                                            allow)
        elif label_format == 'index':
            # Converted masks hold the full categories.
            self.num_categories = len(
                class_set_from_keys('full', key, allow).classes)
            if cs_key != 'full':
                self._category_lut = category_lut(class_set, class_list,
                                                  allow)
        self._label_map_lut = None
        if label_map:
            lut = np.arange(256, dtype=np.uint8)
            for old, new in label_map.items():
                lut[old] = new
            self._label_map_lut = lut

    def __call__(self,
                 data: bytes,
                 path: str,
                 expected_size: Optional[Tuple[int, int]] = None,
                 expected_from: str = '',
                 mask_size: str = 'image'
                 ) -> Tuple[np.ndarray, Dict[Tuple[int, int, int], int]]:
        """Decode and map one label file.

        Args:
            data (bytes): The file.
            path (str): Its path, named in every error.
            expected_size (tuple[int, int], optional): ``(width, height)`` of
                the paired image, checked from the header. Defaults to None.
            expected_from (str): The paired image's path, for the message.
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
        if self.label_format == 'rgb':
            bgr = decode_rgb_label(data, path, expected_size, expected_from,
                                   self.max_side)
            gt, unknown = self._mapper(bgr, channel_order='bgr')
        elif self.label_format == 'index':
            gt = decode_index_mask(data, path, expected_size, expected_from,
                                   self.max_side)
            check_index_range(gt, self.num_categories, path)
            if self._category_lut is not None:
                gt = np.take(self._category_lut, gt)
        else:
            gt = load_npy_mask(data, path, self.max_side, self.num_classes,
                               expected_size, expected_from, mask_size)
            check_index_range(gt, self.num_classes, path)
        if self._label_map_lut is not None:
            gt = np.take(self._label_map_lut, gt)
        return gt, unknown

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(label_format={self.label_format!r}, '
                f'class_set={self.class_set!r}, '
                f'num_classes={self.num_classes})')


def get_decoder(label_format: str = 'rgb',
                class_set: Union[str, Mapping] = 'full',
                class_list: Union[str, Dict[str, str], None] = None,
                allow_unknown_classes: bool = False,
                snap_distance: float = 0,
                max_side: Optional[int] = MAX_IMAGE_SIDE,
                label_map: Optional[Dict[int, int]] = None) -> LabelDecoder:
    """The process-wide :class:`LabelDecoder` for these arguments (a small
    LRU)."""
    key = (label_format, class_set_key(class_set), class_list_key(class_list),
           bool(allow_unknown_classes), float(snap_distance), max_side,
           tuple(sorted(label_map.items())) if label_map else ())
    decoder = _DECODERS.get(key)
    if decoder is not None:
        _DECODERS.move_to_end(key)
    else:
        decoder = LabelDecoder(label_format, class_set, class_list,
                               allow_unknown_classes, snap_distance, max_side,
                               label_map)
        _DECODERS[key] = decoder
        while len(_DECODERS) > _MAX_DECODERS:
            _DECODERS.popitem(last=False)
    return decoder


# The decoders of get_decoder, oldest first (a small LRU: a rgb decoder
# shares its 16 MiB table with get_mapper's cache).
_DECODERS: 'OrderedDict[tuple, LabelDecoder]' = OrderedDict()
_MAX_DECODERS = 16
