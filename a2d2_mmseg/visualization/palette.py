"""Paint class-index masks with a dataset palette (``metainfo['palette']``).

Indices without a colour (255, or past the palette) get
:data:`IGNORE_COLOUR`, a grey that is no A2D2 colour, so ignored pixels are
never mistaken for class 0 (the reduced set's black background).
"""
from typing import Sequence, Tuple

import numpy as np

__all__ = ['IGNORE_COLOUR', 'palette_array', 'colorize']

IGNORE_COLOUR: Tuple[int, int, int] = (128, 128, 128)


def palette_array(palette: Sequence[Sequence[int]],
                  ignore_colour: Sequence[int] = IGNORE_COLOUR) -> np.ndarray:
    """A ``uint8 (256, 3)`` RGB lookup table of a palette (one ``(r, g,
    b)`` per class), ``ignore_colour`` for the indices it does not cover.

    Raises:
        ValueError: The palette is empty, has more than 256 colours or a
            colour that is not three values in 0..255.
    """
    colours = np.asarray(palette, dtype=np.int64)
    if colours.ndim != 2 or colours.shape[1] != 3 or not len(colours):
        raise ValueError(f'a palette is a non-empty list of (r, g, b), got '
                         f'shape {colours.shape}')
    if len(colours) > 256:
        raise ValueError(f'a palette of {len(colours)} colours does not fit '
                         f'uint8 class indices (at most 256)')
    if colours.min() < 0 or colours.max() > 255:
        raise ValueError('palette colours must be in 0..255')
    lut = np.empty((256, 3), dtype=np.uint8)
    lut[:] = np.asarray(ignore_colour, dtype=np.uint8)
    lut[:len(colours)] = colours
    return lut


def colorize(mask: np.ndarray,
             palette: Sequence[Sequence[int]],
             ignore_colour: Sequence[int] = IGNORE_COLOUR) -> np.ndarray:
    """Paint a class-index mask with a palette.

    Args:
        mask (np.ndarray): Integer class indices, shape ``(H, W)``.
        palette (Sequence[Sequence[int]]): One ``(r, g, b)`` per class.
        ignore_colour (Sequence[int]): Colour of indices outside the
            palette (e.g. 255). Defaults to :data:`IGNORE_COLOUR`.

    Returns:
        np.ndarray: RGB ``uint8`` image of shape ``(H, W, 3)``.
    """
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f'expected a (H, W) mask, got shape {mask.shape}')
    if not np.issubdtype(mask.dtype, np.integer):
        raise ValueError(f'expected integer class indices, got {mask.dtype}')
    if mask.dtype != np.uint8:
        # Anything outside 0..255 gets the ignore colour, as 255 does.
        mask = np.where((mask < 0) | (mask > 255), 255, mask).astype(np.uint8)
    return palette_array(palette, ignore_colour)[mask]
