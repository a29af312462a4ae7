"""The frame being drawn: its :class:`FrameContext` (scene, time, camera),
its :class:`Canvas` (camera image, label and depth buffer) and the noise
and colour ramps that give surfaces texture and light (float32)."""
import functools
from typing import Callable, Iterator, Optional, Sequence, Tuple

import cv2
import numpy as np

from a2d2_mmseg.a2d2.class_list import A2D2_CLASS_LIST
from a2d2_mmseg.a2d2.synthetic.camera import Camera
from a2d2_mmseg.a2d2.synthetic.scene import Scene

#: Label name -> index into A2D2's class list (the canvas' label values).
CLASS_INDEX = {name: i for i, (_, name) in enumerate(A2D2_CLASS_LIST)}
# Polygon coordinates are clipped to +-this many pixels before rasterising.
_COORD_LIMIT = 1.0e5
# Sub-pixel bits for cv2.fillPoly.
_SHIFT = 3
# Random window offsets and chroma directions are drawn in batches of this.
_BATCH = 256

Region = Tuple[Tuple[int, int, int, int], np.ndarray]


def _batched(draw: Callable[[], Sequence]) -> Iterator:
    """The items of ``draw()``'s batches, one by one; a new batch is drawn
    when one runs out."""
    while True:
        yield from draw()


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


class Canvas:
    """Paints polygons into the camera image and the label at once.

    Painters fill back to front, so image and label agree on occlusion.
    Textures are windows at random offsets into a per-frame noise bank; the
    depth buffer feeds the aerial haze.

    Args:
        cam (Camera): The camera (for the per-row ground depth).
        rng (np.random.Generator): The frame's generator.

    Attributes:
        img (np.ndarray): float32 ``[h, w, 3]`` RGB image.
        index (np.ndarray): uint8 ``[h, w]`` label indices (Sky at first).
        depth (np.ndarray): float32 ``[h, w]`` distance in metres.
        hi (np.ndarray): float32 ``[h + pad, w + pad]`` per-pixel noise bank
            (also the sensor noise).
    """

    def __init__(self, cam: Camera, rng: np.random.Generator) -> None:
        h, w = cam.h, cam.w
        self.h, self.w = h, w
        self.img = np.zeros((h, w, 3), np.float32)
        self.index = np.full((h, w), CLASS_INDEX['Sky'], np.uint8)
        self.depth = np.zeros((h, w), np.float32)
        self.ground_z = cam.ground_z().astype(np.float32)
        self.pad = max(8, min(h, w) // 3)
        ph, pw = h + self.pad, w + self.pad
        unit = w / 480.0
        self.lo = smooth_noise(rng, ph, pw, 40 * unit)
        self.mid = smooth_noise(rng, ph, pw, 5 * unit)
        self.hi = rng.standard_normal((ph, pw), dtype=np.float32)
        self.tint = smooth_noise(rng, ph, pw, 24 * unit)
        self._offsets = _batched(
            lambda: rng.integers(0, self.pad, (_BATCH, 2)).tolist())
        self._directions = _batched(
            lambda: rng.normal(0, 1, (_BATCH, 3)).astype(np.float32))

    # -- regions -----------------------------------------------------------
    def region(self, polys) -> Optional[Region]:
        """Rasterise polygons into a bounding-box mask.

        Args:
            polys (list[np.ndarray] | np.ndarray): Polygons ``[N_i, 2]``
                (u, v), drawn one by one so overlaps stay filled; or one
                ``[N, K, 2]`` array of disjoint polygons, drawn in one call.

        Returns:
            tuple | None: ``((y0, y1, x0, x1), mask)`` with a bool mask
            ``[y1 - y0, x1 - x0]``, or None when nothing falls inside.
        """
        if isinstance(polys, np.ndarray) and polys.ndim == 3:
            # Disjoint polygons: one fillPoly call (even-odd rule).
            groups = [polys[np.isfinite(polys).all(axis=(1, 2))]] if (
                polys.shape[1] >= 3) else []
        else:
            # One call per polygon: one call would cut holes where they
            # overlap.
            polys = [np.asarray(p, np.float64).reshape(-1, 2) for p in polys]
            groups = [p[None] for p in polys
                      if len(p) >= 3 and np.isfinite(p).all()]
        groups = [g for g in groups if len(g)]
        if not groups:
            return None
        allp = np.concatenate([g.reshape(-1, 2) for g in groups])
        lo = allp.min(0)
        hi = allp.max(0)
        x0 = max(int(np.floor(lo[0])), 0)
        x1 = min(int(np.ceil(hi[0])) + 1, self.w)
        y0 = max(int(np.floor(lo[1])), 0)
        y1 = min(int(np.ceil(hi[1])) + 1, self.h)
        if x1 <= x0 or y1 <= y0:
            return None
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        for g in groups:
            pts = np.clip(g, -_COORD_LIMIT, _COORD_LIMIT)
            pts = np.round((pts - (x0, y0)) * (1 << _SHIFT)).astype(np.int32)
            cv2.fillPoly(mask, list(pts), 1, lineType=cv2.LINE_8,
                         shift=_SHIFT)
        mask = mask.view(bool)
        if not mask.any():
            return None
        return (y0, y1, x0, x1), mask

    def offset(self) -> Tuple[int, int]:
        """A random window offset ``(oy, ox)`` into the noise bank."""
        oy, ox = next(self._offsets)
        return oy, ox

    # -- painting ----------------------------------------------------------
    def paint(self, polys, cls: Optional[str], colour,
              lo: float = 0.06, mid: float = 0.04, hi: float = 3.0,
              tint: float = 4.0, depth=None) -> Optional[Region]:
        """Fill polygons in the image (textured) and, if ``cls``, the label.

        Args:
            polys (list[np.ndarray] | np.ndarray): See :meth:`region`.
            cls (str | None): A2D2 label name, or None for image-only detail.
            colour: Base RGB colour, or a callable mapping image rows to
                ``[rows, 3]`` colours.
            lo, mid (float): Relative amplitude of coarse / medium noise.
            hi (float): Per-pixel noise amplitude (grey levels).
            tint (float): Amplitude of smooth chroma variation.
            depth: None (keep), metres, ``'ground'`` or 0 (no haze).

        Returns:
            tuple | None: The painted region (see :meth:`region`).
        """
        reg = self.region(polys)
        if reg is None:
            return None
        (y0, y1, x0, x1), m = reg
        # A full box is written as a whole (faster than through the mask).
        key = Ellipsis if m.all() else m
        if cls is not None:
            self.index[y0:y1, x0:x1][key] = CLASS_INDEX[cls]
        if callable(colour):
            rows = np.asarray(colour(np.arange(y0, y1) + 0.5), np.float32)
            base = rows[:, None, :] if key is Ellipsis else rows[
                np.nonzero(m)[0]]
        else:
            base = np.asarray(colour, np.float32)
        # Texture, computed for the painted pixels only.
        oy, ox = self.offset()
        sl = (slice(oy + y0, oy + y1), slice(ox + x0, ox + x1))
        gain = self.lo[sl][key] * np.float32(lo)
        if mid:
            gain += self.mid[sl][key] * np.float32(mid)
        gain += np.float32(1.0)
        tex = gain[..., None] * base
        if hi:
            tex += (self.hi[sl][key] * np.float32(hi))[..., None]
        if tint:
            direction = next(self._directions) * np.float32(tint)
            tex += self.tint[sl][key][..., None] * direction
        self.img[y0:y1, x0:x1][key] = tex
        if isinstance(depth, str):
            depth = np.broadcast_to(self.ground_z[y0:y1, None], m.shape)[key]
        if depth is not None:
            self.depth[y0:y1, x0:x1][key] = depth
        return reg

    def shade(self, polys, factor: float, soft: bool = False) -> None:
        """Multiply the image inside polygons by ``factor``; ``soft`` feathers
        it."""
        reg = self.region(polys)
        if reg is None:
            return
        (y0, y1, x0, x1), m = reg
        if soft and min(m.shape) >= 3:
            k = max(3, (min(m.shape) // 3) | 1)
            w = cv2.GaussianBlur(m.astype(np.float32), (k, k), 0)
        else:
            w = m.astype(np.float32)
        sub = self.img[y0:y1, x0:x1]
        sub *= (1.0 - (1.0 - factor) * w)[..., None]

    def blur_patch(self, polys, cls: Optional[str]) -> bool:
        """Blur under polygons and label them ``cls`` (plates, faces); True if
        done."""
        reg = self.region(polys)
        if reg is None:
            return False
        (y0, y1, x0, x1), m = reg
        if m.sum() < 4:
            return False
        py0, py1 = max(0, y0 - 3), min(self.h, y1 + 3)
        px0, px1 = max(0, x0 - 3), min(self.w, x1 + 3)
        patch = self.img[py0:py1, px0:px1]
        k = max(3, (max(y1 - y0, x1 - x0) // 2) | 1)
        blurred = cv2.blur(patch, (k, k))[y0 - py0:y1 - py0, x0 - px0:x1 -
                                             px0]
        self.img[y0:y1, x0:x1][m] = blurred[m]
        if cls is not None:
            self.index[y0:y1, x0:x1][m] = CLASS_INDEX[cls]
        return True


class FrameContext:
    """One frame of ``scene`` at ``t`` seconds after its first, drawn with
    the frame's generator ``rng``: the swaying camera and a fresh canvas.

    Attributes:
        ego_s (float): Road position of the camera.
        z_near, z_far (float): Where ground polygons start and end.
        z_min_obj (float): Objects nearer than this are not drawn.
    """

    def __init__(self, scene: Scene, w: int, h: int, t: float,
                 rng: np.random.Generator) -> None:
        self.scene = scene
        self.t = t
        self.rng = rng
        setup = scene.camera
        sway = 0.25 * np.sin(0.5 * t + setup.heading * 100) + rng.normal(
            0, 0.05)
        horizon = setup.horizon + h * rng.normal(0, 0.004)
        self.cam = Camera(w, h, setup.focal, horizon, setup.height,
                          -scene.road.d_ego + sway,
                          setup.heading + rng.normal(0, 0.003),
                          setup.curvature)
        self.ego_s = setup.speed * t
        self.canvas = Canvas(self.cam, rng)
        self.z_near = max(0.8, 0.75 * self.cam.f * self.cam.height /
                          max(h - horizon, 1.0))
        self.z_far = 400.0
        self.z_min_obj = 2.5

    def z_of(self, s_world: float) -> float:
        """Depth ahead of the camera of road position ``s_world``."""
        return s_world - self.ego_s

    def lit(self, colour, sign: float) -> np.ndarray:
        """Colour (float32 ``[3]``) of a surface facing ``sign`` (+1 right, -1
        left)."""
        light = self.scene.light
        factor = light.sun if sign == light.sun_side else light.shadow
        return np.asarray(colour, np.float32) * factor
