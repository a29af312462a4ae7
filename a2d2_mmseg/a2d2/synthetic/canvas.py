"""The canvas: one camera image, one label and one depth buffer."""
from typing import Optional, Tuple

import cv2
import numpy as np

from a2d2_mmseg.a2d2.synthetic.camera import Camera
from a2d2_mmseg.a2d2.synthetic.classes import CLASS_INDEX
from a2d2_mmseg.a2d2.synthetic.textures import smooth_noise

# Polygon coordinates are clipped to +-this many pixels before rasterising.
_COORD_LIMIT = 1.0e5
# Sub-pixel bits for cv2.fillPoly.
_SHIFT = 3
# Random window offsets and chroma directions are drawn in batches of this.
_BATCH = 256

Region = Tuple[Tuple[int, int, int, int], np.ndarray]


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
        self.cam = cam
        self.rng = rng
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
        self._offsets: list = []
        self._next = 0
        self._directions = np.zeros((0, 3), np.float32)
        self._next_dir = 0

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
            if not len(polys) or polys.shape[1] < 3:
                return None
            batch = polys[np.isfinite(polys).all(axis=(1, 2))]
            if not len(batch):
                return None
            allp = batch.reshape(-1, 2)
            lengths = None
        else:
            polys = [np.asarray(p, np.float64).reshape(-1, 2) for p in polys]
            polys = [p for p in polys if len(p) >= 3]
            if not polys:
                return None
            allp = np.concatenate(polys)
            if not np.isfinite(allp).all():
                polys = [p for p in polys if np.isfinite(p).all()]
                if not polys:
                    return None
                allp = np.concatenate(polys)
            lengths = [len(p) for p in polys]
        lo = allp.min(0)
        hi = allp.max(0)
        x0 = max(int(np.floor(lo[0])), 0)
        x1 = min(int(np.ceil(hi[0])) + 1, self.w)
        y0 = max(int(np.floor(lo[1])), 0)
        y1 = min(int(np.ceil(hi[1])) + 1, self.h)
        if x1 <= x0 or y1 <= y0:
            return None
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        pts = np.clip(allp, -_COORD_LIMIT, _COORD_LIMIT)
        pts = np.round((pts - (x0, y0)) * (1 << _SHIFT)).astype(np.int32)
        if lengths is None:
            # Disjoint polygons: one call (it fills with the even-odd rule).
            cv2.fillPoly(mask, list(pts.reshape(len(batch), -1, 2)), 1,
                         lineType=cv2.LINE_8, shift=_SHIFT)
        else:
            # One call per polygon: a single call would apply the even-odd
            # rule and cut holes where polygons overlap.
            start = 0
            for n in lengths:
                cv2.fillPoly(mask, [pts[start:start + n]], 1,
                             lineType=cv2.LINE_8, shift=_SHIFT)
                start += n
        mask = mask.view(bool)
        if not mask.any():
            return None
        return (y0, y1, x0, x1), mask

    def offset(self) -> Tuple[int, int]:
        """A random window offset ``(oy, ox)`` into the noise bank."""
        if self._next >= len(self._offsets):
            self._offsets = self.rng.integers(0, self.pad,
                                              (_BATCH, 2)).tolist()
            self._next = 0
        self._next += 1
        oy, ox = self._offsets[self._next - 1]
        return oy, ox

    def _direction(self) -> np.ndarray:
        """A random colour direction (float32 ``[3]``) for chroma noise."""
        if self._next_dir >= len(self._directions):
            self._directions = self.rng.normal(0, 1, (_BATCH, 3)).astype(
                np.float32)
            self._next_dir = 0
        self._next_dir += 1
        return self._directions[self._next_dir - 1]

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
        full = bool(m.all())
        if full:
            def take(a):
                return a
        else:
            def take(a):
                return a[m]
        if cls is not None:
            if full:
                self.index[y0:y1, x0:x1] = CLASS_INDEX[cls]
            else:
                self.index[y0:y1, x0:x1][m] = CLASS_INDEX[cls]
        if callable(colour):
            rows = np.asarray(colour(np.arange(y0, y1) + 0.5), np.float32)
            base = rows[:, None, :] if full else rows[np.nonzero(m)[0]]
        else:
            base = np.asarray(colour, np.float32)
        # Texture, computed for the painted pixels only.
        oy, ox = self.offset()
        sl = (slice(oy + y0, oy + y1), slice(ox + x0, ox + x1))
        gain = take(self.lo[sl]) * np.float32(lo)
        if mid:
            gain += take(self.mid[sl]) * np.float32(mid)
        gain += np.float32(1.0)
        tex = gain[..., None] * base
        if hi:
            tex += (take(self.hi[sl]) * np.float32(hi))[..., None]
        if tint:
            direction = self._direction() * np.float32(tint)
            tex += take(self.tint[sl])[..., None] * direction
        if full:
            self.img[y0:y1, x0:x1] = tex
        else:
            self.img[y0:y1, x0:x1][m] = tex
        if depth is not None:
            if isinstance(depth, str):
                value = np.broadcast_to(self.ground_z[y0:y1, None], m.shape)
                value = value if full else value[m]
            else:
                value = depth
            if full:
                self.depth[y0:y1, x0:x1] = value
            else:
                self.depth[y0:y1, x0:x1][m] = value
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
