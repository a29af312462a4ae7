"""Colour -> class index: one 2**24-entry lookup table per class set.

Everything that maps RGB labels goes through :func:`get_mapper`: one uint8
table indexed by ``R << 16 | G << 8 | B``, built once per process.
"""
import functools
import sys
from collections.abc import Mapping
from typing import Dict, Tuple, Union

import cv2
import numpy as np

from a2d2_mmseg.a2d2.class_list import class_list_key
from a2d2_mmseg.a2d2.class_sets import (IGNORE_INDEX, class_set_from_keys,
                                        class_set_key)

# Internal marker for colours that are in no palette; never leaves this module
# (the mapper rewrites it to IGNORE_INDEX after counting).
_UNKNOWN = 254
# Snapping is meant for compression noise of a few RGB units; A2D2's closest
# colours of different categories (Truck 3, Curbstone) are 22 apart. The table
# build grows with the cube of the distance, so it is capped.
MAX_SNAP_DISTANCE = 8


def pack_rgb(rgb: np.ndarray) -> np.ndarray:
    """Pack ``[..., 3]`` uint8 RGB into uint32 ``R << 16 | G << 8 | B``."""
    rgb = np.asarray(rgb)
    return ((rgb[..., 0].astype(np.uint32) << 16)
            | (rgb[..., 1].astype(np.uint32) << 8)
            | rgb[..., 2].astype(np.uint32))


class ColourMapper:
    """Vectorised RGB label -> class index through one 2**24 uint8 table.

    Unknown colours map to 255 (ignored) and are counted, never silently 0.

    Args:
        colour_to_index (dict): ``(r, g, b) -> index`` (0..253 or 255).
        snap_distance (float): 0 (default) maps only exact palette colours;
            a positive value also maps a colour within this RGB distance of
            exactly one nearest palette colour to its class (ties stay
            unknown).
    """

    def __init__(self, colour_to_index: Dict[Tuple[int, int, int], int],
                 snap_distance: float = 0) -> None:
        if not 0 <= snap_distance <= MAX_SNAP_DISTANCE:
            raise ValueError(f'snap_distance must be in 0..{MAX_SNAP_DISTANCE}'
                             f' (RGB units), got {snap_distance}')
        values = set(colour_to_index.values())
        bad = [v for v in values if not (0 <= v < _UNKNOWN or
                                         v == IGNORE_INDEX)]
        if bad:
            raise ValueError(f'class indices must be in 0..253 or 255, got '
                             f'{sorted(bad)}')
        self.snap_distance = snap_distance
        self.colour_to_index = dict(colour_to_index)
        lut = np.full(1 << 24, _UNKNOWN, dtype=np.uint8)
        colours = np.array(list(colour_to_index), dtype=np.int64).reshape(-1, 3)
        targets = np.array(list(colour_to_index.values()), dtype=np.uint8)
        if snap_distance > 0 and len(colours):
            self._fill_snapped(lut, colours, targets, snap_distance)
        lut[pack_rgb(colours.astype(np.uint8))] = targets
        self.lut = lut

    @staticmethod
    def _fill_snapped(lut: np.ndarray, colours: np.ndarray,
                      targets: np.ndarray, distance: float) -> None:
        r = int(np.floor(distance))
        axis = np.arange(-r, r + 1)
        offsets = np.stack(np.meshgrid(axis, axis, axis, indexing='ij'),
                           -1).reshape(-1, 3)
        offsets = offsets[(offsets**2).sum(1) <= distance**2]
        # candidates[i, j] = colours[i] + offsets[j]
        cand = colours[:, None, :] + offsets[None, :, :]
        cand = cand[((cand >= 0) & (cand <= 255)).all(-1)]
        packed = pack_rgb(cand.astype(np.uint8)).astype(np.int64)
        # Squared distance from each candidate to every palette colour: the
        # nearest one wins; a tie between different classes stays unknown.
        d2 = ((cand[:, None, :] - colours[None, :, :])**2).sum(-1)
        nearest = d2 == d2.min(1, keepdims=True)
        tgt = targets.astype(np.int64)[None, :]
        hi = np.where(nearest, tgt, -1).max(1)
        lo = np.where(nearest, tgt, 1 << 16).min(1)
        keep = hi == lo
        lut[packed[keep]] = hi[keep].astype(np.uint8)

    def __call__(self, rgb: np.ndarray, channel_order: str = 'rgb'
                 ) -> Tuple[np.ndarray, Dict[Tuple[int, int, int], int]]:
        """Map a uint8 ``[H, W, 3]`` RGB (``channel_order='bgr'``: OpenCV's
        BGR) label to class indices.

        Returns:
            tuple: ``index`` (uint8 ``[H, W]``, 255 where ignored or unknown)
            and ``unknown`` (``{(r, g, b): pixel_count}``).
        """
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError(f'expected a uint8 [H, W, 3] label, got dtype '
                             f'{rgb.dtype} and shape {tuple(rgb.shape)}')
        packed = pack_bgr(rgb) if channel_order == 'bgr' else pack_rgb(rgb)
        index = np.take(self.lut, packed)
        unknown = index == _UNKNOWN
        if not unknown.any():
            return index, {}
        colours, counts = np.unique(packed[unknown], return_counts=True)
        index[unknown] = IGNORE_INDEX
        return index, {(int(c >> 16), int((c >> 8) & 255), int(c & 255)):
                       int(n) for c, n in zip(colours, counts)}


def pack_bgr(bgr: np.ndarray) -> np.ndarray:
    """Pack ``[H, W, 3]`` uint8 BGR into ``R << 16 | G << 8 | B`` (uint32).

    OpenCV appends an alpha byte; the four bytes read as a little-endian
    uint32 with alpha cleared are the packed colour (~15x faster than shifts).
    """
    bgra = cv2.cvtColor(np.ascontiguousarray(bgr), cv2.COLOR_BGR2BGRA)
    packed = bgra.view(np.uint32)[..., 0]
    if packed.dtype.byteorder == '>' or (packed.dtype.byteorder == '=' and
                                         sys.byteorder == 'big'):
        packed = packed.byteswap()
    np.bitwise_and(packed, 0xFFFFFF, out=packed)
    return packed


@functools.lru_cache(maxsize=8)
def mapper_from_keys(cs_key: tuple, key: tuple,
                     snap_distance: float = 0,
                     allow_unknown_classes: bool = False) -> ColourMapper:
    """:func:`get_mapper` from the canonical keys, cached."""
    cs = class_set_from_keys(cs_key, key, allow_unknown_classes)
    return ColourMapper(cs.colour_to_index, snap_distance=snap_distance)


def get_mapper(class_set: Union[str, Mapping] = 'full',
               class_list: Union[str, Dict[str, str], None] = None,
               snap_distance: float = 0,
               allow_unknown_classes: bool = False) -> ColourMapper:
    """The process-wide :class:`ColourMapper` (16 MiB table built once) of a
    class set and class list (as :func:`~.class_sets.build_class_set`'s)
    and ``snap_distance`` (as :class:`ColourMapper`'s)."""
    return mapper_from_keys(class_set_key(class_set),
                            class_list_key(class_list), float(snap_distance),
                            bool(allow_unknown_classes))

