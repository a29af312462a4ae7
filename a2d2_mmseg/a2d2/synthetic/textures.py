"""Noise and colour ramps that give surfaces texture and light (float32)."""
import functools
from typing import Callable, Tuple

import cv2
import numpy as np


def smooth_noise(rng: np.random.Generator, h: int, w: int,
                 cell: float) -> np.ndarray:
    """Zero-mean, unit-std float32 ``[h, w]`` noise with features about
    ``cell`` pixels (at least 1) across."""
    cell = max(1.0, float(cell))
    gh = int(np.ceil(h / cell)) + 3
    gw = int(np.ceil(w / cell)) + 3
    grid = rng.standard_normal((gh, gw)).astype(np.float32)
    big = cv2.resize(grid, (int(round(gw * cell)), int(round(gh * cell))),
                     interpolation=cv2.INTER_CUBIC)
    out = big[:h, :w]
    std = float(out.std()) or 1.0
    return np.ascontiguousarray(out / std)


def vgrad(c_top, c_bottom, v_top: float, v_bottom: float) -> Callable:
    """A vertical colour gradient for :meth:`Canvas.paint`: rows ``[n]`` ->
    ``[n, 3]``."""
    c_top = np.asarray(c_top, np.float32)
    c_bottom = np.asarray(c_bottom, np.float32)

    def colour(rows):
        t = np.clip((rows - v_top) / max(v_bottom - v_top, 1e-6), 0, 1)
        return c_top[None] * (1 - t[:, None]) + c_bottom[None] * t[:, None]

    return colour


@functools.lru_cache(maxsize=4)
def radial(w: int, h: int) -> Tuple[np.ndarray, np.ndarray]:
    """Squared normalised radius and corner blur weight of a ``w`` x ``h``
    frame, each ``[h, w, 1]`` (cached, read-only)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r2 = (((xx + 0.5 - w / 2) / (w / 2))**2 +
          ((yy + 0.5 - h / 2) / (h / 2))**2) / 2
    weight = np.clip((r2 - 0.35) / 0.65, 0, 1)
    r2.flags.writeable = False
    weight.flags.writeable = False
    return r2[..., None], weight[..., None]
