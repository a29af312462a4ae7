"""Paint class-index masks with a dataset palette (``metainfo['palette']``),
and blend them over their images.

Indices without a colour (255, or past the palette) get
:data:`IGNORE_COLOUR`, a grey that is no A2D2 colour, so ignored pixels are
never mistaken for class 0 (the reduced set's black background).
"""
from typing import Optional, Sequence, Tuple

import numpy as np

__all__ = ['IGNORE_COLOUR', 'colorize', 'blend']

IGNORE_COLOUR: Tuple[int, int, int] = (128, 128, 128)


def colorize(mask: np.ndarray,
             palette: Sequence[Sequence[int]],
             ignore_colour: Sequence[int] = IGNORE_COLOUR) -> np.ndarray:
    """Paint a class-index mask with a palette.

    Args:
        mask (np.ndarray): Integer class indices, shape ``(H, W)``.
        palette (Sequence[Sequence[int]]): One ``(r, g, b)`` per class, at
            most 256.
        ignore_colour (Sequence[int]): Colour of indices outside the
            palette (e.g. 255).

    Returns:
        np.ndarray: RGB ``uint8`` image of shape ``(H, W, 3)``.

    Raises:
        ValueError: Not an integer ``(H, W)`` mask, or a palette that is
            empty, longer than 256 or has a colour outside 0..255.
    """
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f'expected a (H, W) mask, got shape {mask.shape}')
    if not np.issubdtype(mask.dtype, np.integer):
        raise ValueError(f'expected integer class indices, got {mask.dtype}')
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
    if mask.dtype != np.uint8:
        # Anything outside 0..255 gets the ignore colour, as 255 does.
        mask = np.where((mask < 0) | (mask > 255), 255, mask).astype(np.uint8)
    return lut[mask]


def blend(image: np.ndarray,
          colour: np.ndarray,
          opacity: float = 0.5,
          where: Optional[np.ndarray] = None) -> np.ndarray:
    """``image * (1 - opacity) + colour * opacity`` (``uint8 (H, W, 3)``
    both), as mmseg paints masks; where the boolean ``(H, W)`` ``where`` is
    False the image is kept."""
    if not 0.0 <= opacity <= 1.0:
        raise ValueError(f'opacity must be in [0, 1], got {opacity}')
    if image.shape != colour.shape:
        raise ValueError(f'image {image.shape} and colour mask '
                         f'{colour.shape} differ in shape')
    mixed = image.astype(np.float32) * (1.0 - opacity) + \
        colour.astype(np.float32) * opacity
    mixed = np.clip(np.rint(mixed), 0, 255).astype(np.uint8)
    if where is not None:
        mixed = np.where(where[..., None], mixed, image)
    return mixed
