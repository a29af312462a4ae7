"""Generate a small synthetic driving dataset in the raw A2D2 layout.

The real Audi A2D2 dataset (https://www.a2d2.audi) cannot be downloaded here,
so the project ships this generator as its embedded default dataset: the
README's demo writes it to ``data/a2d2_synthetic`` and trains the example
models on it. It stands in for A2D2 only structurally; it says nothing about
how a model does on real A2D2.

What it writes (``OUT`` is the ``data_root`` of :class:`A2D2Dataset`)::

    OUT/
    ├── SYNTHETIC_README.txt                  # what this is, seed, command
    ├── splits/{train,val,test}.txt           # scene lists, disjoint
    └── camera_lidar_semantic/
        ├── class_list.json                   # A2D2's 55 colours, its order
        └── 20990101_090000/                  # one scene = one "drive"
            ├── camera/cam_front_center/
            │   ├── 20990101090000_camera_frontcenter_000003143.png
            │   └── 20990101090000_camera_frontcenter_000003143.json
            └── label/cam_front_center/
                └── 20990101090000_label_frontcenter_000003143.png

File names, folders, the camera JSON fields and the 8-bit RGB colour labels
follow A2D2 exactly; dates are in 2099 so the frames are never mistaken for
real ones (the JSON files also say ``"synthetic": true``).

Content: each scene is a street seen from a front camera at the height of a
car roof, drawn in perspective with vectorised numpy/OpenCV polygon fills:
sky with a gradient and clouds, a tree line and distant buildings at the
horizon, a road with solid edge lines and dashed lane lines, curbstones,
sidewalks, grass verges, facades with window grids, trees and hedges, poles
with traffic signs, street lights, sometimes an intersection with a zebra
crossing and traffic signals, cars (numbered variants "Car 1".."Car 4" tell
neighbouring cars apart, as in A2D2), trucks, pedestrians, in some scenes the
ego car's hood and blurred number plates ("Blurred area"). Every scene has
its own layout (lanes, curvature, horizon, buildings, traffic, lighting);
consecutive frames of a scene are a drive: the camera moves forward, other
cars and pedestrians move, frame ids grow.

The label and the camera image are drawn from the same geometry in the same
order, so occlusion agrees, but the image is not a recolouring of the label:
textures are noisy and class dependent (asphalt, paving, brick and plaster
facades, foliage, random car paint), lighting, white balance and haze vary
per scene, and the image gets lens blur, vignetting and sensor noise. A model
has to learn shape, texture and context.

Everything is deterministic in ``--seed``: the same arguments give
byte-identical files (one ``numpy.random.Generator`` per scene and per
frame, seeded with ``[seed, scene]`` and ``[seed, scene, frame]``; PNGs are
written by OpenCV, which encodes deterministically). Identical bytes are
promised for the same numpy and OpenCV versions on the same kind of CPU;
other versions may differ in the last bit of some pixels. Scene folder
names do not depend on the seed; frame ids and content do.

Splits: with 3 or more scenes, ``round(n / 6)`` (at least 1) scenes go to
``val.txt``, as many to ``test.txt`` and the rest to ``train.txt`` (6 scenes:
4 / 1 / 1). With 1 or 2 scenes every scene goes to ``train.txt`` and no
``val.txt`` / ``test.txt`` is written.

Usage::

    python tools/misc/make_synthetic_a2d2.py [--out data/a2d2_synthetic]
        [--scenes 6] [--frames-per-scene 8] [--size 480x302] [--seed 0]
        [--overwrite] [--no-progress]

The output folder is created if missing. An earlier output of this tool (it
has ``SYNTHETIC_README.txt`` and only 2099 scenes) is replaced. Any other
non-empty folder is refused unless ``--overwrite``, which replaces its
``camera_lidar_semantic/``, ``splits/`` and ``SYNTHETIC_README.txt`` and
keeps everything else.

From Python (tests, the demo)::

    summary = make_synthetic_a2d2('data/a2d2_synthetic', num_scenes=6,
                                  frames_per_scene=8, size=(480, 302),
                                  seed=0)
    image, label_index = render_frame(seed=0, scene_idx=0, frame_idx=0)
"""
import argparse
import functools
import importlib
import importlib.util
import json
import os
import os.path as osp
import shutil
import sys
import time
from datetime import datetime, timedelta, timezone
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _plugin_module(name: str):
    """The plugin's ``a2d2_mmseg.datasets.<name>`` module.

    Taken from ``sys.modules`` when the plugin is already imported (tests,
    the demo); otherwise loaded from this checkout's file, so that the tool
    starts without importing mmseg (seconds): the two modules used here need
    only the standard library and numpy.
    """
    full = f'a2d2_mmseg.datasets.{name}'
    if full in sys.modules:
        return sys.modules[full]
    path = osp.join(REPO_ROOT, 'a2d2_mmseg', 'datasets', f'{name}.py')
    if not osp.isfile(path):
        return importlib.import_module(full)
    spec = importlib.util.spec_from_file_location(f'_a2d2_synthetic_{name}',
                                                  path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_meta = _plugin_module('a2d2_meta')
_layout = _plugin_module('a2d2_layout')
A2D2_CLASS_LIST = _meta.A2D2_CLASS_LIST
RAW_DIR = _layout.RAW_DIR
CAMERA = _layout.CAMERA

DEFAULT_OUT = 'data/a2d2_synthetic'
DEFAULT_SIZE = (480, 302)
MARKER = 'SYNTHETIC_README.txt'
MARKER_LINE = 'a2d2_mmseg synthetic A2D2 stand-in dataset'
SPLITS = ('train', 'val', 'test')
SCENE_YEAR = 2099
FRAME_STEP = 7  # frame ids of consecutive frames of a scene differ by 7
FRAME_DT = 0.7  # seconds between consecutive frames (0.1 s per frame id)
MIN_SIZE = (32, 24)

# Label name -> index into A2D2_CLASS_LIST; index -> RGB palette.
CLASS_INDEX: Dict[str, int] = {
    name: i for i, (_, name) in enumerate(A2D2_CLASS_LIST)}
PALETTE = np.array([_meta.hex_to_rgb(h) for h, _ in A2D2_CLASS_LIST],
                   dtype=np.uint8)

_PNG_PARAMS = [cv2.IMWRITE_PNG_COMPRESSION, 1]
_COORD_LIMIT = 1.0e5  # polygon coordinates are clipped to +-this (pixels)
_SHIFT = 3  # sub-pixel bits for cv2.fillPoly


class SyntheticA2D2Error(ValueError):
    """Bad arguments or an output folder that must not be written."""


# --------------------------------------------------------------------------
# Geometry
# --------------------------------------------------------------------------
class _Camera:
    """A pinhole front camera above a (possibly curved) flat road.

    Road coordinates: ``d`` metres to the right of the road's centre divider,
    ``z`` metres ahead of the camera, ``y`` metres above the ground. The road
    centre is at lateral camera position ``x0 + heading * z + k * z**2 / 2``.

    Args:
        w (int): Image width.
        h (int): Image height.
        focal (float): Focal length in pixels.
        horizon (float): Image row of the horizon.
        height (float): Camera height above the road in metres.
        x0 (float): Lateral camera position of the road centre at z = 0.
        heading (float): Road direction relative to the camera (radians).
        curvature (float): Road curvature (1 / radius, + = to the right).
    """

    def __init__(self, w: int, h: int, focal: float, horizon: float,
                 height: float, x0: float, heading: float,
                 curvature: float) -> None:
        self.w, self.h = w, h
        self.f = focal
        self.cx = w / 2.0
        self.horizon = horizon
        self.height = height
        self.x0 = x0
        self.heading = heading
        self.k = curvature

    def road_x(self, z):
        """Lateral camera position of the road centre at depth ``z``."""
        return self.x0 + self.heading * z + 0.5 * self.k * z * z

    def project(self, d, z, y=0.0) -> np.ndarray:
        """Project road coordinates to pixels; returns ``[..., 2]`` (u, v)."""
        z = np.asarray(z, np.float64)
        u = self.cx + self.f * (self.road_x(z) + d) / z
        v = self.horizon + self.f * (self.height - np.asarray(y)) / z
        u, v = np.broadcast_arrays(u, v)
        out = np.empty(u.shape + (2, ), np.float64)
        out[..., 0] = u
        out[..., 1] = v
        return out

    def scale(self, z: float) -> float:
        """Pixels per metre at depth ``z``."""
        return self.f / z

    def ground_z(self) -> np.ndarray:
        """Depth of the ground seen in each image row (inf above horizon)."""
        rows = np.arange(self.h, dtype=np.float64) + 0.5
        dv = rows - self.horizon
        with np.errstate(divide='ignore'):
            z = np.where(dv > 0.5, self.f * self.height / np.maximum(dv, 1e-6),
                         np.inf)
        return z

    def strip(self, d0, d1, z0: float, z1: float, n: int = 24) -> np.ndarray:
        """Ground polygon between lateral ``d0`` and ``d1`` from z0 to z1."""
        z = _geomspace(z0, z1, n)
        a = self.project(d0, z)
        b = self.project(d1, z)
        return np.concatenate([a, b[::-1]])

    def wall(self, d, z0: float, z1: float, y0, y1, n: int = 12
             ) -> np.ndarray:
        """Vertical polygon along the road at lateral ``d`` (z0..z1)."""
        z = _geomspace(z0, z1, n)
        bottom = self.project(d, z, y0)
        top = self.project(d, z, y1)
        return np.concatenate([bottom, top[::-1]])

    def face(self, d: float, z: float, pts) -> np.ndarray:
        """Polygon ``pts`` (``[N, 2]`` lateral offset, height in metres) on
        the plane across the road at depth ``z`` and lateral ``d``."""
        pts = np.asarray(pts, np.float64)
        return self.project(d + pts[:, 0], z, pts[:, 1])

    def side(self, d: float, z: float, pts) -> np.ndarray:
        """Polygon ``pts`` (``[N, 2]`` depth offset, height) on the plane
        along the road at lateral ``d``, starting at depth ``z``."""
        pts = np.asarray(pts, np.float64)
        return self.project(d, z + pts[:, 0], pts[:, 1])


@functools.lru_cache(maxsize=64)
def _unit_steps(n: int) -> np.ndarray:
    """Cached ``linspace(0, 1, n)``."""
    steps = np.linspace(0.0, 1.0, n)
    steps.flags.writeable = False
    return steps


def _geomspace(z0: float, z1: float, n: int) -> np.ndarray:
    """``np.geomspace`` for positive scalars, without its overhead."""
    return z0 * (z1 / z0)**_unit_steps(n)


def _circle(cx: float, cy: float, r: float, n: int = 20) -> np.ndarray:
    """A circle as an ``[n, 2]`` polygon."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.stack([cx + r * np.cos(t), cy + r * np.sin(t)], -1)


def _rect(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    """An axis-aligned rectangle as a ``[4, 2]`` polygon."""
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float64)


def _smooth_noise(rng: np.random.Generator, h: int, w: int,
                  cell: float) -> np.ndarray:
    """Zero-mean, unit-ish std noise with features about ``cell`` pixels."""
    cell = max(1.0, float(cell))
    gh = int(np.ceil(h / cell)) + 3
    gw = int(np.ceil(w / cell)) + 3
    grid = rng.standard_normal((gh, gw)).astype(np.float32)
    big = cv2.resize(grid, (int(round(gw * cell)), int(round(gh * cell))),
                     interpolation=cv2.INTER_CUBIC)
    out = big[:h, :w]
    std = float(out.std()) or 1.0
    return np.ascontiguousarray(out / std)


# --------------------------------------------------------------------------
# Canvas: one image, one label, one depth buffer, painted back to front
# --------------------------------------------------------------------------
class _Canvas:
    """Paints polygons into the camera image and the label at once.

    The label is kept as indices into ``A2D2_CLASS_LIST`` (turned into
    colours at the end); the image is float32 RGB. A depth buffer records
    the distance of what each pixel shows, for aerial haze.

    Args:
        cam (_Camera): The camera (for per-row ground depth).
        rng (np.random.Generator): The frame's generator.
    """

    def __init__(self, cam: _Camera, rng: np.random.Generator) -> None:
        self.cam = cam
        self.rng = rng
        h, w = cam.h, cam.w
        self.h, self.w = h, w
        self.img = np.zeros((h, w, 3), np.float32)
        self.index = np.full((h, w), CLASS_INDEX['Sky'], np.uint8)
        self.depth = np.zeros((h, w), np.float32)
        self.ground_z = cam.ground_z().astype(np.float32)
        # Noise bank: windows at random offsets give every surface its own
        # pattern without generating noise per polygon.
        self.pad = max(8, min(h, w) // 3)
        ph, pw = h + self.pad, w + self.pad
        unit = w / 480.0
        self.lo = _smooth_noise(rng, ph, pw, 40 * unit)
        self.mid = _smooth_noise(rng, ph, pw, 5 * unit)
        self.hi = rng.standard_normal((ph, pw), dtype=np.float32)
        self.tint = _smooth_noise(rng, ph, pw, 24 * unit)
        self._offsets: list = []
        self._next = 0
        self._directions = np.zeros((0, 3), np.float32)
        self._next_dir = 0

    # -- regions -----------------------------------------------------------
    def region(self, polys):
        """Rasterise polygons into a bounding-box mask.

        Args:
            polys (list[np.ndarray] | np.ndarray): Polygons ``[N_i, 2]``
                (u, v) in pixels, drawn one by one so overlaps stay filled;
                or one ``[N, K, 2]`` array of disjoint polygons (window
                grids, dashes, stripes), drawn in one call.

        Returns:
            tuple | None: ``((y0, y1, x0, x1), bool mask)``, or None when
            nothing of the polygons falls inside the image.
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

    def _offset(self) -> Tuple[int, int]:
        """A random window offset into the noise bank."""
        if self._next >= len(self._offsets):
            self._offsets = self.rng.integers(0, self.pad, (256, 2)).tolist()
            self._next = 0
        self._next += 1
        oy, ox = self._offsets[self._next - 1]
        return oy, ox

    def _direction(self) -> np.ndarray:
        """A random colour direction for chroma noise."""
        if self._next_dir >= len(self._directions):
            self._directions = self.rng.normal(0, 1, (256, 3)).astype(
                np.float32)
            self._next_dir = 0
        self._next_dir += 1
        return self._directions[self._next_dir - 1]

    # -- painting ----------------------------------------------------------
    def paint(self, polys, cls: Optional[str], colour,
              lo: float = 0.06, mid: float = 0.04, hi: float = 3.0,
              tint: float = 4.0, depth=None):
        """Fill polygons in the image (textured) and, if ``cls``, the label.

        Args:
            polys (list[np.ndarray]): Polygons in pixels, ``[N, 2]`` (u, v).
            cls (str | None): A2D2 label name, or None for image-only detail.
            colour: Base RGB colour (3 floats), or a callable that maps an
                array of image rows to ``[rows, 3]`` colours (gradients).
            lo, mid (float): Relative amplitude of coarse / medium noise.
            hi (float): Per-pixel noise amplitude (grey levels).
            tint (float): Amplitude of smooth colour (chroma) variation.
            depth: None (keep), a distance in metres, 'ground' (per-row
                ground distance) or 0 (no haze).

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
        oy, ox = self._offset()
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
        """Multiply the image inside polygons by ``factor`` (shadows)."""
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
        """Blur the image under polygons (A2D2's anonymised plates/faces)."""
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


@functools.lru_cache(maxsize=4)
def _radial(w: int, h: int) -> Tuple[np.ndarray, np.ndarray]:
    """Squared normalised radius ``[h, w, 1]`` and the corner-blur weight."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r2 = (((xx + 0.5 - w / 2) / (w / 2))**2 +
          ((yy + 0.5 - h / 2) / (h / 2))**2) / 2
    weight = np.clip((r2 - 0.35) / 0.65, 0, 1)
    r2.flags.writeable = False
    weight.flags.writeable = False
    return r2[..., None], weight[..., None]


def _vgrad(c_top, c_bottom, v_top: float, v_bottom: float) -> Callable:
    """Vertical colour gradient for :meth:`_Canvas.paint`."""
    c_top = np.asarray(c_top, np.float32)
    c_bottom = np.asarray(c_bottom, np.float32)

    def colour(rows):
        t = np.clip((rows - v_top) / max(v_bottom - v_top, 1e-6), 0, 1)
        return c_top[None] * (1 - t[:, None]) + c_bottom[None] * t[:, None]

    return colour


# --------------------------------------------------------------------------
# Scene layout (one per scene, shared by its frames)
# --------------------------------------------------------------------------
CAR_COLOURS = np.array([
    (232, 232, 230), (238, 238, 240), (28, 28, 32), (20, 22, 26),
    (168, 170, 174), (120, 122, 128), (88, 90, 94), (30, 44, 92),
    (46, 84, 160), (150, 24, 26), (182, 40, 30), (40, 70, 52),
    (190, 172, 140), (110, 30, 40), (210, 170, 40), (70, 110, 140)
], np.float32)
FACADE_COLOURS = {
    'plaster': [(222, 210, 184), (236, 226, 200), (214, 196, 160),
                (226, 186, 160), (200, 204, 196), (240, 232, 214),
                (218, 200, 132), (186, 196, 206)],
    'brick': [(150, 72, 52), (128, 60, 44), (166, 92, 66), (112, 70, 58)],
    'concrete': [(160, 160, 156), (136, 138, 140), (178, 174, 166)],
}
FOLIAGE = [(58, 92, 40), (70, 110, 46), (46, 76, 38), (88, 112, 44),
           (60, 100, 62), (120, 112, 48)]
CLOTHES = [(30, 30, 34), (40, 50, 90), (150, 30, 30), (200, 200, 196),
           (90, 90, 96), (60, 90, 60), (180, 140, 90), (120, 60, 120),
           (220, 180, 40), (70, 120, 180)]
TROUSERS = [(30, 34, 50), (24, 24, 26), (80, 80, 86), (170, 150, 120),
            (44, 60, 100)]
SKIN = [(230, 190, 160), (200, 150, 120), (150, 100, 70), (100, 66, 46)]


def _choice(rng: np.random.Generator, items):
    """One element of ``items`` (a list of tuples), drawn by ``rng``."""
    return items[int(rng.integers(0, len(items)))]


def _scene_layout(rng: np.random.Generator, w: int, h: int,
                  frames: int) -> dict:
    """Draw one scene's street, buildings, traffic and lighting."""
    s = {}
    s['kind'] = str(rng.choice(['urban', 'suburban', 'avenue'],
                               p=[0.45, 0.35, 0.2]))
    urban = s['kind'] == 'urban'
    # Camera.
    s['focal'] = 0.88 * w * rng.uniform(0.96, 1.04)
    s['horizon'] = h * rng.uniform(0.41, 0.50)
    s['cam_height'] = rng.uniform(1.45, 1.7)
    s['curvature'] = 0.0 if rng.random() < 0.4 else float(
        rng.choice([-1, 1]) * rng.uniform(1 / 700, 1 / 220))
    s['heading'] = rng.uniform(-0.02, 0.02)
    s['speed'] = rng.uniform(4.0, 11.0)
    s_end = s['speed'] * FRAME_DT * max(frames - 1, 0)
    s['s_end'] = s_end
    far = s_end + 220.0

    # Road cross-section (d: metres right of the centre divider).
    lw = rng.uniform(3.0, 3.6)
    n_same = int(rng.choice([1, 2], p=[0.55, 0.45]))
    n_onc = int(rng.choice([0, 1, 2], p=[0.12, 0.7, 0.18]))
    if n_same + n_onc < 2:
        n_onc = 1
    parking = n_same == 1 or rng.random() < 0.3
    s.update(lane_w=lw, n_same=n_same, n_onc=n_onc, parking=parking)
    right_lanes = n_same * lw
    s['right_line'] = right_lanes
    s['right_edge'] = right_lanes + (2.3 if parking else 0.0) + 0.3
    s['left_line'] = -n_onc * lw
    s['left_edge'] = -n_onc * lw - 0.3
    s['ego_lane'] = n_same - 1 if rng.random() < 0.7 else 0
    s['centre_dashed'] = rng.random() < 0.7
    s['curb_w'] = rng.uniform(0.2, 0.35)
    s['line_w'] = rng.uniform(0.12, 0.18)
    s['dash'] = (rng.uniform(3.0, 6.0), rng.uniform(6.0, 12.0),
                 rng.uniform(0, 10))
    s['asphalt'] = rng.uniform(70, 125) * np.array(
        [1.0, 1.0, rng.uniform(1.0, 1.08)])
    s['paint'] = rng.uniform(185, 235) * np.array([1, 1, rng.uniform(.9, 1)])
    s['paving'] = _choice(rng, [(150, 146, 140), (170, 160, 150),
                                (160, 120, 110), (130, 130, 134),
                                (182, 176, 160)])
    s['curb'] = rng.uniform(150, 200) * np.ones(3)
    s['grass'] = _choice(rng, [(86, 120, 52), (104, 126, 60), (120, 118, 70),
                               (74, 104, 50)])

    sides = {}
    for side, sign in (('right', 1), ('left', -1)):
        edge = s['right_edge'] if sign > 0 else s['left_edge']
        sw = rng.uniform(1.8, 4.0) if urban else rng.uniform(1.5, 3.0)
        verge_kind = 'grass' if (not urban or rng.random() < 0.3) else None
        verge = rng.uniform(1.0, 4.0) if verge_kind else 0.0
        inner = edge + sign * s['curb_w']
        walk_end = inner + sign * sw
        outer = walk_end + sign * verge
        sides[side] = dict(sign=sign, edge=edge, inner=inner,
                           walk_end=walk_end, outer=outer, verge=verge_kind)
    s['sides'] = sides

    # Intersection, zebra, signals.
    s['crossing'] = None
    if rng.random() < 0.4:
        s_int = rng.uniform(14, 40) + s_end * rng.uniform(0.3, 1.0)
        width = rng.uniform(8, 14)
        s['crossing'] = dict(s=s_int, width=width,
                             zebra=rng.random() < 0.75,
                             signals=rng.random() < 0.8)
    s['zebra'] = None
    if s['crossing'] is not None and s['crossing']['zebra']:
        s['zebra'] = s['crossing']['s'] - rng.uniform(4.0, 5.0)
    elif rng.random() < 0.25:
        s['zebra'] = rng.uniform(10, 35) + s_end * rng.uniform(0.3, 1.0)
    blocked = []  # s ranges without buildings
    if s['crossing'] is not None:
        c = s['crossing']
        blocked.append((c['s'] - 6.0, c['s'] + c['width'] + 3.0))

    # Buildings per side.
    has_buildings = {'right': True, 'left': True}
    if s['kind'] == 'suburban' and rng.random() < 0.3:
        has_buildings[str(rng.choice(['left', 'right']))] = False
    buildings = []
    for side, info in sides.items():
        if not has_buildings[side]:
            continue
        pos = -rng.uniform(10, 40)
        while pos < far:
            if urban:
                length, gap = rng.uniform(10, 28), (
                    0.0 if rng.random() < 0.7 else rng.uniform(1, 5))
                height = rng.uniform(9, 21)
                setback = rng.uniform(0.0, 1.5)
                style = str(rng.choice(['plaster', 'brick', 'concrete'],
                                       p=[0.6, 0.25, 0.15]))
                roof = None
            elif s['kind'] == 'suburban':
                length, gap = rng.uniform(8, 14), rng.uniform(6, 20)
                height = rng.uniform(5, 8)
                setback = rng.uniform(3, 9)
                style = str(rng.choice(['plaster', 'brick'], p=[0.8, 0.2]))
                roof = (rng.uniform(2.0, 4.0),
                        _choice(rng, [(130, 60, 48), (90, 80, 80),
                                      (70, 60, 58), (150, 80, 60)]))
            else:
                length, gap = rng.uniform(10, 24), rng.uniform(0, 10)
                height = rng.uniform(7, 16)
                setback = rng.uniform(1, 5)
                style = str(rng.choice(['plaster', 'brick', 'concrete']))
                roof = None
            a, b = pos, pos + length
            pos = b + gap
            if any(a < bb and b > ba for ba, bb in blocked):
                continue
            d = info['outer'] + info['sign'] * setback
            floor = rng.uniform(2.9, 3.4)
            buildings.append(dict(
                side=side, sign=info['sign'], d=d, s0=a, s1=b,
                height=height, depth=rng.uniform(8, 14), roof=roof,
                colour=np.array(_choice(rng, FACADE_COLOURS[style]),
                                np.float32) * rng.uniform(0.9, 1.05),
                style=style, floor=floor,
                win_w=rng.uniform(0.9, 1.5), win_h=rng.uniform(1.2, 1.7),
                win_step=rng.uniform(2.4, 3.6),
                win_colour=np.array(_choice(rng, [(50, 60, 70), (70, 80, 96),
                                                  (40, 44, 50), (96, 110,
                                                                 130)]),
                                    np.float32),
                frame_colour=np.array(_choice(rng, [(235, 235, 230),
                                                    (60, 50, 40),
                                                    (120, 120, 118)]),
                                      np.float32),
                shop=urban and rng.random() < 0.4))
    s['buildings'] = buildings
    # The nearest building line: street objects beyond the point where a
    # curved road disappears behind the facades are not drawn.
    lines = [abs(b['d']) for b in buildings] or [30.0]
    z_vis = 110.0
    if s['curvature']:
        z_vis = min(z_vis, np.sqrt(2 * (min(lines) + 4) / abs(
            s['curvature'])))
    s['z_vis'] = max(z_vis, 40.0)

    # Vegetation.
    trees, hedges = [], []
    tree_gap = {'urban': (20, 60), 'suburban': (9, 25), 'avenue': (8, 13)}
    for side, info in sides.items():
        sign = info['sign']
        if urban and rng.random() < 0.5:
            continue
        pos = -rng.uniform(0, 15)
        while pos < far:
            pos += rng.uniform(*tree_gap[s['kind']])
            if any(ba - 2 < pos < bb for ba, bb in blocked):
                continue
            if info['verge']:
                d = (info['walk_end'] + info['outer']) / 2 + sign * \
                    rng.uniform(-0.3, 0.3)
            else:
                d = info['walk_end'] - sign * 0.6
            trees.append(dict(d=d, s=pos, trunk_h=rng.uniform(1.8, 3.2),
                              trunk_w=rng.uniform(0.2, 0.4),
                              crown=rng.uniform(1.4, 3.2),
                              colour=np.array(_choice(rng, FOLIAGE),
                                              np.float32),
                              blobs=rng.uniform(-1, 1, (7, 3))))
        if info['verge'] and rng.random() < 0.45:
            pos = -rng.uniform(0, 20)
            while pos < far:
                length = rng.uniform(10, 40)
                if not any(pos < bb and pos + length > ba
                           for ba, bb in blocked):
                    hedges.append(dict(d=info['outer'] - sign * 0.5,
                                       s0=pos, s1=pos + length,
                                       height=rng.uniform(0.8, 1.6),
                                       phase=rng.uniform(0, 6.3)))
                pos += length + rng.uniform(5, 25)
    s['trees'], s['hedges'] = trees, hedges

    # Poles: traffic signs, street lights, traffic signals.
    poles = []
    for side, info in sides.items():
        sign = info['sign']
        if side == 'left' and n_onc == 0 and rng.random() < 0.5:
            continue
        pos = rng.uniform(0, 30)
        while pos < far:
            shape = str(rng.choice(['circle', 'triangle', 'square',
                                    'diamond', 'rect']))
            poles.append(dict(kind='sign', d=info['inner'] + sign * 0.5,
                              s=pos, height=rng.uniform(2.2, 3.0),
                              shape=shape, back=side == 'left',
                              size=rng.uniform(0.55, 0.8),
                              style=int(rng.integers(0, 3))))
            pos += rng.uniform(22, 60)
    if rng.random() < 0.6:
        light_sides = (['right', 'left'] if rng.random() < 0.4 else
                       [str(rng.choice(['right', 'left']))])
        for side in light_sides:
            info = sides[side]
            pos = rng.uniform(0, 25)
            step = rng.uniform(24, 36)
            while pos < far:
                poles.append(dict(kind='light', d=info['inner'] +
                                  info['sign'] * 0.4, s=pos,
                                  height=rng.uniform(6.5, 9.0), side=side))
                pos += step
    if s['crossing'] is not None and s['crossing']['signals']:
        c = s['crossing']
        for side in ('right', 'left'):
            info = sides[side]
            poles.append(dict(kind='signal', d=info['inner'] +
                              info['sign'] * 0.6, s=c['s'] - 1.0,
                              height=rng.uniform(2.6, 3.2), side=side,
                              arm=side == 'right' and rng.random() < 0.6,
                              light=int(rng.integers(0, 3))))
    s['poles'] = poles

    # Traffic. Positions are functions of time t: s(t) = s0 + v t, or for
    # cars that keep pace with the ego car, z(t) around a mean distance.
    cars = []
    d_ego = (s['ego_lane'] + 0.5) * lw

    def car_dims(kind='car'):
        if kind == 'truck':
            return dict(width=rng.uniform(2.4, 2.55),
                        length=rng.uniform(7, 10),
                        height=rng.uniform(3.1, 3.8))
        return dict(width=rng.uniform(1.7, 1.95),
                    length=rng.uniform(3.9, 4.9),
                    height=rng.uniform(1.4, 1.65))

    def add(kind, d, facing, motion, **kw):
        dims = car_dims(kind)
        dims.update(kw)
        cars.append(dict(kind=kind, d=d, facing=facing, motion=motion,
                         colour=CAR_COLOURS[int(rng.integers(
                             0, len(CAR_COLOURS)))] * rng.uniform(0.9, 1.05),
                         box=np.array(_choice(rng, [(235, 235, 235),
                                                    (200, 40, 30),
                                                    (40, 60, 120),
                                                    (220, 220, 200)]),
                                      np.float32),
                         **dims))

    def pace(z_mean, amp):
        return ('pace', z_mean, amp, rng.uniform(6, 14), rng.uniform(0, 6.3))

    # Guaranteed: a lead car in the ego lane and a second car beside it
    # (other lane) or, on one-lane streets, a row of parked cars.
    add('car', d_ego + rng.uniform(-0.3, 0.3), 'rear',
        pace(rng.uniform(13, 24), rng.uniform(2, 5)))
    if n_same == 2:
        other = 1 - s['ego_lane']
        add('truck' if rng.random() < 0.2 else 'car',
            (other + 0.5) * lw + rng.uniform(-0.3, 0.3), 'rear',
            pace(rng.uniform(8, 30), rng.uniform(2, 6)))
    if parking:
        d_park = s['right_line'] + 1.25
        pos = -rng.uniform(0, 6)
        while pos < far:
            if rng.random() < 0.12 and n_same > 1:
                pos += rng.uniform(5, 12)
                continue
            add('truck' if rng.random() < 0.05 else 'car',
                d_park + rng.uniform(-0.2, 0.2),
                'rear' if rng.random() < 0.8 else 'front',
                ('fixed', pos))
            pos += cars[-1]['length'] + rng.uniform(1.2, 6.0)
    for _ in range(int(rng.integers(0, 3))):
        lane = int(rng.integers(0, n_same))
        add('car', (lane + 0.5) * lw, 'rear',
            ('move', rng.uniform(40, far), s['speed'] * rng.uniform(0.6,
                                                                     1.1)))
    if n_onc:
        n = int(rng.integers(2, 7))
        for _ in range(n):
            lane = int(rng.integers(0, n_onc))
            kind = 'truck' if rng.random() < 0.15 else 'car'
            add(kind, -(lane + 0.5) * lw + rng.uniform(-0.2, 0.2), 'front',
                ('move', rng.uniform(10, far + 60), -rng.uniform(5, 13)))
    s['cars'] = cars

    # Pedestrians on the sidewalks.
    people = []
    density = {'urban': 11.0, 'suburban': 28.0, 'avenue': 16.0}[s['kind']]
    for side, info in sides.items():
        pos = rng.uniform(-10, 0)
        lo, hi_ = sorted((info['inner'], info['walk_end']))
        while pos < far:
            pos += rng.exponential(density)
            if rng.random() < 0.2:
                speed = 0.0
            else:
                speed = rng.uniform(0.8, 1.6) * rng.choice([-1, 1])
            people.append(dict(d=rng.uniform(lo + 0.4, max(lo + 0.5,
                                                            hi_ - 0.3)),
                               s=pos, v=speed,
                               height=rng.uniform(1.55, 1.92),
                               width=rng.uniform(0.9, 1.15),
                               top=np.array(_choice(rng, CLOTHES),
                                            np.float32),
                               legs=np.array(_choice(rng, TROUSERS),
                                             np.float32),
                               skin=np.array(_choice(rng, SKIN), np.float32),
                               phase=rng.uniform(0, 6.3)))
    s['people'] = people

    # Ego hood and anonymised plates.
    s['hood'] = None
    if rng.random() < 0.35:
        s['hood'] = dict(height=rng.uniform(0.07, 0.13),
                         bulge=rng.uniform(0.2, 0.45),
                         colour=CAR_COLOURS[int(rng.integers(
                             0, len(CAR_COLOURS)))] * 0.7)
    s['blur_plates'] = rng.random() < 0.5

    # Light.
    sky = str(rng.choice(['clear', 'overcast', 'evening'],
                         p=[0.45, 0.37, 0.18]))
    if sky == 'clear':
        zenith = np.array([55, 105, 190]) + rng.normal(0, 12, 3)
        horizon_c = np.array([175, 205, 235]) + rng.normal(0, 10, 3)
        clouds = rng.uniform(0.0, 0.5)
        sun = rng.uniform(1.05, 1.2)
    elif sky == 'overcast':
        grey = rng.uniform(140, 200)
        zenith = grey * np.array([0.92, 0.95, 1.0]) + rng.normal(0, 5, 3)
        horizon_c = np.minimum(grey * 1.15, 240) * np.ones(3) + \
            rng.normal(0, 5, 3)
        clouds = rng.uniform(0.6, 1.0)
        sun = rng.uniform(0.95, 1.05)
    else:
        zenith = np.array([70, 90, 150]) + rng.normal(0, 10, 3)
        horizon_c = np.array([235, 180, 130]) + rng.normal(0, 12, 3)
        clouds = rng.uniform(0.1, 0.6)
        sun = rng.uniform(1.0, 1.15)
    s['sky'] = dict(kind=sky, zenith=np.clip(zenith, 0, 255),
                    horizon=np.clip(horizon_c, 0, 255), clouds=clouds)
    s['sun_side'] = float(rng.choice([-1, 1]))
    s['sun'] = sun
    s['shadow'] = 2.0 - sun - 0.3 * (sky == 'clear')
    s['fog'] = rng.uniform(250, 900)
    s['haze_max'] = rng.uniform(0.5, 0.85)
    s['grade'] = dict(gain=rng.uniform(0.78, 1.12),
                      wb=rng.uniform(-0.08, 0.1),
                      sat=rng.uniform(0.7, 1.15),
                      gamma=rng.uniform(0.85, 1.15))
    s['vignette'] = rng.uniform(0.1, 0.35)
    s['noise'] = rng.uniform(1.5, 4.5)
    s['treeline'] = dict(z=rng.uniform(150, 260), base=rng.uniform(6, 14),
                         amp=rng.uniform(2, 8), jitter=rng.normal(0, 0.3, 64),
                         colour=np.array(_choice(rng, FOLIAGE), np.float32))
    s['cloud_seed'] = int(rng.integers(0, 2**31))
    s['far_blocks'] = [
        dict(x=rng.uniform(-0.7, 0.7), width=rng.uniform(15, 60),
             height=rng.uniform(8, 25),
             colour=np.array(_choice(rng, FACADE_COLOURS['concrete'] +
                                     FACADE_COLOURS['plaster']),
                             np.float32))
        for _ in range(int(rng.integers(0, 5 if urban else 3)))]
    return s


# --------------------------------------------------------------------------
# Drawing one frame
# --------------------------------------------------------------------------
class _FrameRenderer:
    """Draws one frame of a scene at time ``t`` (seconds)."""

    def __init__(self, scene: dict, w: int, h: int, t: float,
                 rng: np.random.Generator) -> None:
        self.s = scene
        self.t = t
        self.rng = rng
        lw = scene['lane_w']
        d_ego = (scene['ego_lane'] + 0.5) * lw
        sway = 0.25 * np.sin(0.5 * t + scene['heading'] * 100) + rng.normal(
            0, 0.05)
        horizon = scene['horizon'] + h * rng.normal(0, 0.004)
        self.cam = _Camera(w, h, scene['focal'], horizon,
                           scene['cam_height'], -d_ego + sway,
                           scene['heading'] + rng.normal(0, 0.003),
                           scene['curvature'])
        self.ego_s = scene['speed'] * t
        self.canvas = _Canvas(self.cam, rng)
        # Nearest depth that covers the image bottom, for ground polygons.
        self.z_near = max(0.8, 0.75 * self.cam.f * self.cam.height /
                          max(h - horizon, 1.0))
        self.z_far = 400.0
        self.z_min_obj = 2.5

    # -- helpers -----------------------------------------------------------
    def z_of(self, s_world: float) -> float:
        """Depth ahead of the camera of road position ``s_world``."""
        return s_world - self.ego_s

    def lit(self, colour, sign: float) -> np.ndarray:
        """Colour of a surface facing lateral direction ``sign``."""
        sc = self.s
        factor = sc['sun'] if sign == sc['sun_side'] else sc['shadow']
        return np.asarray(colour, np.float32) * factor

    def run(self) -> Tuple[np.ndarray, np.ndarray]:
        """Draw the frame. Returns (RGB uint8 image, label index map)."""
        self.draw_sky()
        self.draw_far()
        self.draw_ground()
        self.draw_buildings()
        self.draw_street_objects()
        self.draw_hood()
        img = self.finish()
        return img, self.canvas.index

    # -- background --------------------------------------------------------
    def draw_sky(self) -> None:
        """Sky gradient over the whole frame, then clouds."""
        c, cam, sky = self.canvas, self.cam, self.s['sky']
        grad = _vgrad(sky['zenith'], sky['horizon'], 0.0, cam.horizon)
        full = [_rect(0, 0, cam.w, cam.h)]
        c.paint(full, 'Sky', grad, lo=0.03, mid=0.0, hi=1.0, tint=2.0,
                depth=0)
        # Clouds: smooth noise above a threshold, the same for all frames
        # of a scene, drifting slowly.
        cl = sky['clouds']
        if cl > 0.05:
            rng = np.random.default_rng(self.s['cloud_seed'])
            w = cam.w
            h = min(max(int(np.ceil(cam.horizon)) + 1, 1), cam.h)
            drift = int(self.t * w / 200) % w
            noise = np.zeros((cam.h, w), np.float32)
            noise[:h] = (
                _smooth_noise(rng, h, 2 * w, w / 7)[:, drift:drift + w] +
                0.5 * _smooth_noise(rng, h, 2 * w, w / 25)[:, drift:drift + w])
            alpha = np.clip((noise - (1.2 - 1.6 * cl)) * 0.6, 0, 0.85)
            white = np.float32(0.5 * (sky['horizon'].mean() + 235))
            shade = white - 25 * np.clip(noise - 1.0, 0, 2)
            c.img += alpha[..., None] * (shade[..., None] - c.img)

    def draw_far(self) -> None:
        """Ground, tree line and far blocks at the horizon."""
        c, cam, s = self.canvas, self.cam, self.s
        hz = cam.horizon
        ground = [_rect(0, hz - 0.5, cam.w, cam.h)]
        c.paint(ground, 'Nature object', s['grass'], lo=0.15, mid=0.12,
                hi=6.0, tint=6.0, depth='ground')
        tl = s['treeline']
        z = tl['z']
        u = np.linspace(-2, cam.w + 2, 64)
        wav = (np.sin(u / cam.w * 17 + z) +
               0.6 * np.sin(u / cam.w * 41 + 2 * z) + tl['jitter'])
        heights = np.maximum(tl['base'] + tl['amp'] * wav, 1.0)
        top = hz - cam.f * (heights - cam.height) / z
        bottom = hz + cam.f * cam.height / z + 1.0
        poly = np.concatenate([np.stack([u, top], 1),
                               [[u[-1], bottom], [u[0], bottom]]])
        c.paint([poly], 'Nature object', tl['colour'], lo=0.1, mid=0.25,
                hi=8.0, tint=5.0, depth=z)
        for blk in s['far_blocks']:
            zb = z * 0.9
            x_c = cam.cx + blk['x'] * cam.w
            half = cam.f * blk['width'] / zb / 2
            y_top = hz - cam.f * (blk['height'] - cam.height) / zb
            y_bot = hz + cam.f * cam.height / zb
            c.paint([_rect(x_c - half, y_top, x_c + half, y_bot)],
                    'Buildings', blk['colour'], lo=0.05, mid=0.1, hi=5.0,
                    depth=zb)

    def draw_ground(self) -> None:
        """Sidewalks, curbs, road, lane lines, crossing, zebra."""
        c, cam, s = self.canvas, self.cam, self.s
        zn, zf = self.z_near, self.z_far
        left, right = s['sides']['left'], s['sides']['right']
        # Verges, sidewalks, curbs.
        # Verges are the grass ground drawn first, where nothing covers it.
        for info in (left, right):
            c.paint([cam.strip(info['inner'], info['walk_end'], zn, zf)],
                    'Sidewalk', s['paving'], lo=0.08, mid=0.06, hi=6.0,
                    tint=3.0, depth='ground')
            self.paving_joints(info)
            c.paint([cam.strip(info['edge'], info['inner'], zn, zf)],
                    'Curbstone', s['curb'], lo=0.05, mid=0.05, hi=5.0,
                    tint=2.0, depth='ground')
        # Road.
        c.paint([cam.strip(s['left_edge'], s['right_edge'], zn, zf, n=32)],
                'RD normal street', s['asphalt'], lo=0.1, mid=0.07, hi=7.0,
                tint=2.0, depth='ground')
        # Darker wheel tracks in the lanes (image only).
        lw = s['lane_w']
        for lane in range(-s['n_onc'], s['n_same']):
            for off in (0.25, 0.75):
                d = (lane + off) * lw
                c.shade([cam.strip(d - 0.45, d + 0.45, zn, zf)], 0.9)
        self.draw_lines()
        cr = s['crossing']
        if cr is not None:
            z0, z1 = self.z_of(cr['s']), self.z_of(cr['s'] + cr['width'])
            if z1 > self.z_near:
                z0 = max(z0, self.z_near)
                c.paint([cam.strip(-80, 80, z0, z1, n=6)],
                        'RD normal street', s['asphalt'] * 1.03, lo=0.1,
                        mid=0.07, hi=7.0, tint=2.0, depth='ground')
        if s['zebra'] is not None:
            self.draw_zebra(s['zebra'])

    def paving_joints(self, info: dict) -> None:
        """Dark joint lines across the sidewalk (image only)."""
        c, cam = self.canvas, self.cam
        step = 1.2
        first = np.ceil((self.ego_s + self.z_near) / step) * step
        s_vals = np.arange(first, self.ego_s + 60, step)
        polys = []
        for sv in s_vals:
            z = sv - self.ego_s
            if cam.scale(z) * 0.06 < 0.25:
                break
            polys.append(cam.strip(info['inner'], info['walk_end'], z,
                                   z + 0.06, n=2))
        if polys:
            c.shade(np.array(polys), 0.8)

    def dashes(self, d: float, length: float, gap: float,
               phase: float) -> List[np.ndarray]:
        """Polygons of the dashes of a dashed line at lateral ``d``."""
        cam, lw = self.cam, self.s['line_w']
        period = length + gap
        k0 = np.floor((self.ego_s + self.z_near - phase) / period) - 1
        polys = []
        k = k0
        while True:
            a = phase + k * period - self.ego_s
            k += 1
            if a > self.z_far * 0.5:
                break
            b = a + length
            if b <= self.z_near:
                continue
            polys.append(cam.strip(d - lw / 2, d + lw / 2,
                                   max(a, self.z_near), b, n=4))
        return polys

    def draw_lines(self) -> None:
        """Solid edge lines and dashed lane lines."""
        c, cam, s = self.canvas, self.cam, self.s
        zn, zf = self.z_near, self.z_far
        lw, line = s['lane_w'], s['line_w']
        paint = dict(lo=0.1, mid=0.15, hi=8.0, tint=2.0, depth='ground')
        solid = []
        for d in (s['left_line'], s['right_line']):
            solid.append(cam.strip(d - line / 2, d + line / 2, zn, zf))
        dashed_at = [k * lw for k in range(1, s['n_same'])]
        dashed_at += [-k * lw for k in range(1, s['n_onc'])]
        if s['n_onc']:
            if s['centre_dashed']:
                dashed_at.append(0.0)
            else:
                solid.append(cam.strip(-line / 2, line / 2, zn, zf))
        c.paint(solid, 'Solid line', s['paint'], **paint)
        length, gap, phase = s['dash']
        dashes = []
        for d in dashed_at:
            dashes += self.dashes(d, length, gap, phase)
        if dashes:
            c.paint(np.array(dashes), 'Dashed line', s['paint'], **paint)

    def draw_zebra(self, s_zebra: float) -> None:
        """A zebra crossing across the road at road position ``s``."""
        c, cam, s = self.canvas, self.cam, self.s
        z0 = self.z_of(s_zebra)
        z1 = z0 + 4.0
        if z1 <= self.z_near or z0 > self.s['z_vis']:
            return
        z0 = max(z0, self.z_near)
        c.paint([cam.strip(s['left_edge'], s['right_edge'], z0, z1, n=4)],
                'RD normal street', s['asphalt'], lo=0.1, mid=0.07, hi=7.0,
                tint=2.0, depth='ground')
        stripes = []
        d = s['left_edge'] + 0.4
        if z1 - z0 < 0.05:
            return
        while d + 0.5 < s['right_edge'] - 0.2:
            stripes.append(cam.strip(d, d + 0.5, z0, z1, n=4))
            d += 1.0
        if stripes:
            c.paint(np.array(stripes), 'Zebra crossing', s['paint'], lo=0.1,
                    mid=0.15, hi=8.0, depth='ground')

    # -- buildings ---------------------------------------------------------
    def draw_buildings(self) -> None:
        """All facades in view, far to near."""
        items = []
        for b in self.s['buildings']:
            z0, z1 = self.z_of(b['s0']), self.z_of(b['s1'])
            if z1 <= 1.0 or z0 > 260:
                continue
            items.append((max(z0, 1.0), z1, b))
        # Far to near; for equal depth the facade further out first.
        items.sort(key=lambda it: (-it[0], -abs(it[2]['d'])))
        for z0, z1, b in items:
            self.draw_building(b, z0, z1)

    def draw_building(self, b: dict, z0: float, z1: float) -> None:
        """One building: end face, facade, roof, windows."""
        c, cam = self.canvas, self.cam
        sign, d, hgt = b['sign'], b['d'], b['height']
        facade_colour = self.lit(b['colour'], -sign)
        end_colour = self.lit(b['colour'], 0) * 0.92
        texture = dict(lo=0.04, mid=0.12 if b['style'] == 'brick' else 0.04,
                       hi=6.0 if b['style'] == 'brick' else 3.5, tint=1.5)
        depth_mid = 0.5 * (z0 + z1)
        # End face towards the camera (only when the building starts ahead).
        if z0 > 1.5:
            end = np.array([[0, 0], [sign * b['depth'], 0],
                            [sign * b['depth'], hgt], [0, hgt]])
            if b['roof'] is not None:
                rh = b['roof'][0]
                end = np.array([[0, 0], [sign * b['depth'], 0],
                                [sign * b['depth'], hgt],
                                [sign * b['depth'] / 2, hgt + rh],
                                [0, hgt]])
            c.paint([cam.face(d, z0, end)], 'Buildings', end_colour,
                    depth=z0, **texture)
        c.paint([cam.wall(d, z0, z1, 0.0, hgt)], 'Buildings', facade_colour,
                depth=depth_mid, **texture)
        if b['roof'] is not None:
            rh, rc = b['roof']
            zz = _geomspace(z0, z1, 8)
            eave = cam.project(d, zz, hgt)
            ridge = cam.project(d + sign * b['depth'] / 2, zz, hgt + rh)
            c.paint([np.concatenate([eave, ridge[::-1]])], 'Buildings',
                    self.lit(rc, 0), lo=0.1, mid=0.2, hi=6.0,
                    depth=depth_mid)
        else:
            # Cornice band at the top of flat roofs (image only).
            c.paint([cam.wall(d, z0, z1, hgt - 0.5, hgt)], None,
                    facade_colour * 0.8, lo=0.05, hi=3.0)
        self.draw_windows(b, z0, z1)

    def draw_windows(self, b: dict, z0: float, z1: float) -> None:
        """Window grid (image only; the label stays Buildings)."""
        c, cam = self.canvas, self.cam
        sign, d = b['sign'], b['d']
        ww, wh, step = b['win_w'], b['win_h'], b['win_step']
        floors = int((b['height'] - 1.5) // b['floor'])
        if floors <= 0:
            return
        # Window columns in world s, kept where the facade is visible.
        s_cols = np.arange(b['s0'] + step * 0.6, b['s1'] - ww, step)
        z_cols = s_cols - self.ego_s
        keep = (z_cols > max(z0, 1.5)) & (z_cols + ww < z1 + 1e-6)
        z_cols = z_cols[keep]
        # Skip windows smaller than about a pixel.
        z_cols = z_cols[cam.f * ww / np.maximum(z_cols, 1e-3) *
                        abs(d) / np.maximum(z_cols, 1e-3) > 0.4]
        if len(z_cols) == 0:
            return
        first = 1 if b['shop'] else 0
        y_rows = 1.0 + b['floor'] * np.arange(first, floors) + 0.3
        if b['shop']:
            shop = []
            for zc in z_cols[::2]:
                shop.append(cam.side(d, zc, _rect(0, 0.4, min(2 * step - 0.6,
                                                              z1 - zc), 2.6)))
            c.paint(shop, None, b['win_colour'] * 0.7, lo=0.2, mid=0.05,
                    hi=4.0)
        if len(y_rows) == 0:
            return
        zz, yy = np.meshgrid(z_cols, y_rows)
        zz, yy = zz.ravel(), yy.ravel()
        # Window frames, then panes in three brightness groups.
        fz = np.stack([zz - 0.1, zz + ww + 0.1, zz + ww + 0.1, zz - 0.1], 1)
        fy = np.stack([yy - 0.1, yy - 0.1, yy + wh + 0.1, yy + wh + 0.1], 1)
        frames = cam.project(d, fz, fy)
        c.paint(frames, None, b['frame_colour'], lo=0.05, hi=3.0)
        pz = np.stack([zz, zz + ww, zz + ww, zz], 1)
        py = np.stack([yy, yy, yy + wh, yy + wh], 1)
        panes = cam.project(d, pz, py)
        group = self.rng.integers(0, 3, len(panes))
        for g, factor in enumerate((0.7, 1.0, 1.6)):
            sel = panes[group == g]
            if len(sel):
                c.paint(sel, None, np.minimum(b['win_colour'] * factor,
                                                    255),
                        lo=0.25, mid=0.05, hi=3.0, tint=4.0)

    # -- street objects ----------------------------------------------------
    def draw_street_objects(self) -> None:
        """Trees, hedges, poles, vehicles and people, far to near."""
        s = self.s
        z_vis = s['z_vis']
        items = []
        for hd in s['hedges']:
            z0, z1 = self.z_of(hd['s0']), self.z_of(hd['s1'])
            if z1 > self.z_min_obj and z0 < z_vis:
                items.append((max(z0, self.z_min_obj), 'hedge', hd))
        for tr in s['trees']:
            z = self.z_of(tr['s'])
            if self.z_min_obj < z < z_vis:
                items.append((z, 'tree', tr))
        for p in s['poles']:
            z = self.z_of(p['s'])
            if self.z_min_obj < z < z_vis:
                items.append((z, p['kind'], p))
        for car in s['cars']:
            z = self.car_z(car)
            if self.z_min_obj + 0.5 < z < z_vis and z + car['length'] > 3:
                items.append((z, car['kind'], car))
        for p in s['people']:
            z = self.z_of(p['s'] + p['v'] * self.t)
            if self.z_min_obj < z < min(z_vis, 70):
                items.append((z, 'person', p))
        items.sort(key=lambda it: -it[0])
        counters = {'car': 0, 'truck': 0, 'person': 0, 'sign': 0,
                    'signal': 0}
        # Numbered variants: neighbours in depth order get different ones.
        for z, kind, obj in items:
            if kind in ('car', 'truck'):
                n = counters[kind]
                counters[kind] += 1
                variant = n % (4 if kind == 'car' else 3) + 1
                self.draw_vehicle(obj, z, variant)
            elif kind == 'person':
                n = counters['person']
                counters['person'] += 1
                self.draw_person(obj, z, n % 3 + 1)
            elif kind == 'tree':
                self.draw_tree(obj, z)
            elif kind == 'hedge':
                self.draw_hedge(obj, z)
            elif kind == 'sign':
                n = counters['sign']
                counters['sign'] += 1
                self.draw_sign(obj, z, n % 3 + 1)
            elif kind == 'light':
                self.draw_light(obj, z)
            elif kind == 'signal':
                n = counters['signal']
                counters['signal'] += 2
                self.draw_signal(obj, z, n % 3 + 1)

    def car_z(self, car: dict) -> float:
        """Depth of a vehicle's near face at this frame's time."""
        motion = car['motion']
        if motion[0] == 'pace':
            _, z_mean, amp, period, phase = motion
            return z_mean + amp * np.sin(2 * np.pi * self.t / period + phase)
        if motion[0] == 'fixed':
            return motion[1] - self.ego_s
        return motion[1] + motion[2] * self.t - self.ego_s

    def draw_tree(self, tr: dict, z: float) -> None:
        """A tree: ground shadow, trunk and a crown of blobs."""
        c, cam = self.canvas, self.cam
        trunk = _rect(-tr['trunk_w'] / 2, 0, tr['trunk_w'] / 2,
                      tr['trunk_h'] + tr['crown'] * 0.6)
        trunk_poly = cam.face(tr['d'], z, trunk)
        # Shadow on the ground under the crown (image only).
        r = tr['crown']
        if cam.scale(z) * r > 4:
            c.shade([cam.strip(tr['d'] - r, tr['d'] + r, max(z - r * 0.6, 1.0),
                               z + r * 0.6, n=4)], 0.75, soft=True)
        c.paint([trunk_poly], 'Nature object', (92, 74, 58), lo=0.1,
                mid=0.2, hi=8.0, depth=z)
        centre_y = tr['trunk_h'] + r
        blobs = []
        px = cam.scale(z)
        for bx, by, br in tr['blobs']:
            cu, cv = cam.project(tr['d'] + bx * r * 0.7, z,
                                 centre_y + by * r * 0.5)
            rad = px * r * (0.55 + 0.2 * br)
            blobs.append(_circle(cu, cv, rad, n=18))
        top_v = cam.project(tr['d'], z, centre_y + r)[1]
        bot_v = cam.project(tr['d'], z, centre_y - r)[1]
        grad = _vgrad(tr['colour'] * self.s['sun'] * 1.1,
                      tr['colour'] * 0.6, top_v, bot_v)
        c.paint(blobs, 'Nature object', grad, lo=0.15, mid=0.35, hi=12.0,
                tint=6.0, depth=z)

    def draw_hedge(self, hd: dict, z0: float) -> None:
        """A hedge along the verge."""
        c, cam = self.canvas, self.cam
        z1 = self.z_of(hd['s1'])
        zz = _geomspace(z0, max(z1, z0 + 0.1), 24)
        top_y = hd['height'] * (1 + 0.12 * np.sin(
            (zz + self.ego_s) * 1.7 + hd['phase']))
        bottom = cam.project(hd['d'], zz, 0.0)
        top = cam.project(hd['d'], zz, top_y)
        poly = np.concatenate([bottom, top[::-1]])
        c.paint([poly], 'Nature object', np.array(FOLIAGE[2]) * 1.1, lo=0.15,
                mid=0.3, hi=10.0, tint=5.0, depth=0.5 * (z0 + z1))

    def draw_pole(self, d: float, z: float, height: float,
                  width: float = 0.09) -> None:
        """A thin vertical pole standing at ``(d, z)``."""
        poly = self.cam.face(d, z, _rect(-width / 2, 0, width / 2, height))
        self.canvas.paint([poly], 'Poles', (150, 152, 150), lo=0.05,
                          mid=0.05, hi=4.0, depth=z)

    def draw_sign(self, p: dict, z: float, variant: int) -> None:
        """A traffic sign on a pole (front or back side)."""
        c, cam = self.canvas, self.cam
        size = p['size']
        y = p['height'] + size / 2
        self.draw_pole(p['d'], z, y)
        r = size / 2
        if p['shape'] == 'circle':
            shape = _circle(0, y, r, 20)
        elif p['shape'] == 'triangle':
            shape = np.array([[-r, y + r * 0.6], [r, y + r * 0.6],
                              [0, y - r * 1.0]])
            if p['style'] == 0:
                shape = np.array([[-r, y - r * 0.6], [r, y - r * 0.6],
                                  [0, y + r * 1.0]])
        elif p['shape'] == 'diamond':
            shape = np.array([[0, y - r], [r, y], [0, y + r], [-r, y]])
        elif p['shape'] == 'square':
            shape = _rect(-r, y - r, r, y + r)
        else:
            shape = _rect(-r * 1.3, y - r * 0.7, r * 1.3, y + r * 0.7)
        outer = cam.face(p['d'], z, shape)
        cls = f'Traffic sign {variant}'
        if p['back']:
            c.paint([outer], cls, (120, 122, 124), lo=0.05, hi=4.0, depth=z)
            return
        scheme = {
            'circle': [((200, 30, 30), (240, 240, 236)),
                       ((30, 70, 170), (30, 70, 170)),
                       ((200, 30, 30), (30, 70, 170))],
            'triangle': [((200, 30, 30), (240, 240, 236))] * 3,
            'diamond': [((240, 240, 236), (240, 190, 30))] * 3,
            'square': [((240, 240, 236), (30, 70, 170)),
                       ((240, 240, 236), (30, 110, 60)),
                       ((240, 240, 236), (240, 190, 30))],
            'rect': [((240, 240, 236), (30, 70, 170)),
                     ((240, 240, 236), (30, 110, 60)),
                     ((30, 30, 30), (240, 190, 30))],
        }[p['shape']][p['style']]
        border, inner = scheme
        c.paint([outer], cls, border, lo=0.05, mid=0.02, hi=4.0, depth=z)
        centre = np.array([0, y])
        inner_shape = centre + (shape - centre) * 0.72
        c.paint([cam.face(p['d'], z, inner_shape)], None, inner, lo=0.05,
                hi=4.0)
        # A dark symbol in the middle (image only).
        sym = _rect(-r * 0.25, y - r * 0.15, r * 0.25, y + r * 0.15)
        c.paint([cam.face(p['d'], z, sym)], None, (40, 40, 44), lo=0.05,
                hi=3.0)

    def draw_light(self, p: dict, z: float) -> None:
        """A street light: tall pole, arm and lamp head."""
        c, cam = self.canvas, self.cam
        self.draw_pole(p['d'], z, p['height'], width=0.16)
        sign = 1 if p['side'] == 'right' else -1
        arm = _rect(-sign * 1.6, p['height'] - 0.12, 0, p['height'])
        head = _rect(-sign * 1.9, p['height'] - 0.3, -sign * 1.2,
                     p['height'] - 0.08)
        c.paint([cam.face(p['d'], z, arm), cam.face(p['d'], z, head)],
                'Poles', (120, 122, 120), lo=0.05, hi=4.0, depth=z)

    def draw_signal(self, p: dict, z: float, variant: int) -> None:
        """A traffic signal: pole, housings, lit lamp."""
        c, cam = self.canvas, self.cam
        sign = 1 if p['side'] == 'right' else -1
        hgt = p['height']
        top = hgt + 1.0
        if p['arm']:
            top = 5.6
        self.draw_pole(p['d'], z, top, width=0.14)
        boxes = [(p['d'], hgt)]
        if p['arm']:
            reach = p['d'] - self.s['right_line'] + self.s['lane_w'] * 0.8
            arm = _rect(-sign * reach, top - 0.15, 0, top)
            c.paint([cam.face(p['d'], z, arm)], 'Poles', (130, 132, 130),
                    lo=0.05, hi=4.0, depth=z)
            boxes.append((p['d'] - sign * reach * 0.7, top - 1.05))
        for k, (d, y) in enumerate(boxes):
            cls = f'Traffic signal {min(variant + k, 3)}'
            c.paint([cam.face(d, z, _rect(-0.17, y, 0.17, y + 0.9))], cls,
                    (30, 32, 30), lo=0.05, hi=3.0, depth=z)
            px = cam.scale(z)
            if px * 0.1 < 0.5:
                continue
            for i, col in enumerate([(230, 40, 30), (240, 170, 20),
                                     (40, 220, 90)]):
                u, v = cam.project(d, z, y + 0.75 - 0.3 * i)
                on = i == p['light']
                colour = np.array(col) * (1.0 if on else 0.25)
                c.paint([_circle(u, v, max(px * 0.1, 0.6), 10)], None,
                        colour, lo=0.02, hi=2.0)

    def draw_vehicle(self, car: dict, z: float, variant: int) -> None:
        """A car or truck: shadow, visible long side, near face."""
        c, cam = self.canvas, self.cam
        truck = car['kind'] == 'truck'
        cls = f'Truck {variant}' if truck else f'Car {variant}'
        w, L, hgt = car['width'], car['length'], car['height']
        d = car['d']
        # Shadow under the vehicle (image only).
        if cam.scale(z) * w >= 3:
            c.shade([cam.strip(d - w / 2 - 0.15, d + w / 2 + 0.15,
                               max(z - 0.3, 1.0), z + L + 0.2, n=4)],
                    0.45, soft=True)
        # Which long side the camera sees.
        x_mid = cam.road_x(z + L / 2) + d
        body = car['colour']
        if x_mid > w / 2 or x_mid < -w / 2:
            side_d = d - w / 2 if x_mid > 0 else d + w / 2
            facing = 1 if x_mid < 0 else -1
            self.vehicle_side(car, cls, side_d, z, facing, truck)
        self.vehicle_face(car, cls, z, truck, body)

    def vehicle_side(self, car, cls, side_d, z, facing, truck) -> None:
        """The long side of a vehicle that the camera sees."""
        c, cam = self.canvas, self.cam
        L, hgt = car['length'], car['height']
        colour = self.lit(car['colour'], facing)
        front = car['facing'] == 'front'  # nose towards the camera
        if truck:
            cab = 2.2
            cab_s = (0, cab) if front else (L - cab, L)
            box_s = (cab + 0.1, L) if front else (0, L - cab - 0.1)
            box = _rect(box_s[0], 0.9, box_s[1], hgt)
            cab_poly = _rect(cab_s[0], 0.5, cab_s[1], 2.9)
            chassis = _rect(0, 0.35, L, 1.0)
            c.paint([cam.side(side_d, z, chassis)], cls, (40, 40, 42),
                    lo=0.05, hi=4.0, depth=z)
            c.paint([cam.side(side_d, z, box)], cls,
                    self.lit(car['box'], facing), lo=0.05, mid=0.03, hi=3.0,
                    depth=z)
            c.paint([cam.side(side_d, z, cab_poly)], cls, colour, lo=0.08,
                    hi=3.0, depth=z)
            wheels = [cam.side(side_d, z, _circle(sx, 0.5, 0.5, 14))
                      for sx in (0.9, L - 1.2, L - 2.3)]
        else:
            prof = np.array([[0.0, 0.28], [0.0, 0.62], [0.05, 0.68],
                             [0.24, 0.72], [0.34, 0.98], [0.74, 1.0],
                             [0.88, 0.72], [1.0, 0.64], [1.0, 0.28]])
            if front:
                prof[:, 0] = 1.0 - prof[:, 0]
            small = cam.scale(z) * hgt < 5
            if small:  # one polygon down to the ground, no details
                prof[[0, -1], 1] = 0.0
            pts = prof * [L, hgt]
            c.paint([cam.side(side_d, z, pts)], cls, colour, lo=0.12,
                    mid=0.02, hi=3.0, tint=3.0, depth=z)
            if small:
                return
            win = np.array([[0.27, 0.73], [0.36, 0.94], [0.72, 0.95],
                            [0.85, 0.73]])
            if front:
                win[:, 0] = 1.0 - win[:, 0]
            c.paint([cam.side(side_d, z, win * [L, hgt])], None,
                    (40, 48, 58), lo=0.3, hi=3.0)
            wheels = [cam.side(side_d, z, _circle(sx * L, 0.32, 0.32, 14))
                      for sx in (0.17, 0.8)]
        c.paint(wheels, cls, (22, 22, 24), lo=0.05, hi=3.0, depth=z)

    def vehicle_face(self, car, cls, z, truck, body) -> None:
        """The rear (or front) face of a vehicle at depth ``z``."""
        c, cam = self.canvas, self.cam
        w, hgt, d = car['width'], car['height'], car['d']
        rear = car['facing'] == 'rear'
        colour = self.lit(body, 0) * 0.95
        wh = [w, hgt]
        if truck:
            if rear:
                box = _rect(-0.5, 0.9 / hgt, 0.5, 1.0) * wh
                c.paint([cam.face(d, z, box)], cls,
                        self.lit(car['box'], 0) * 0.95, lo=0.06, hi=3.0,
                        depth=z)
                # Door seam and bumper (image only).
                c.paint([cam.face(d, z, _rect(-0.01, 0.95 / hgt, 0.01,
                                              0.98) * wh)], None,
                        (60, 60, 60), hi=2.0)
                under = _rect(-0.46, 0.1, 0.46, 0.92 / hgt) * wh
                c.paint([cam.face(d, z, under)], cls, (30, 30, 32), lo=0.05,
                        hi=3.0, depth=z)
                lights = [_rect(-0.48, 0.8 / hgt, -0.36, 0.95 / hgt) * wh,
                          _rect(0.36, 0.8 / hgt, 0.48, 0.95 / hgt) * wh]
                c.paint([cam.face(d, z, q) for q in lights], None,
                        (200, 30, 30), hi=3.0)
            else:
                cab = np.array([[-0.5, 0.15], [-0.5, 0.85], [-0.45, 0.9],
                                [0.45, 0.9], [0.5, 0.85], [0.5, 0.15]]) * [
                                    w, 3.0]
                c.paint([cam.face(d, z, cab)], cls, colour, lo=0.08, hi=3.0,
                        depth=z)
                wind = _rect(-0.44, 0.5, 0.44, 0.82) * [w, 3.0]
                c.paint([cam.face(d, z, wind)], None, (40, 48, 60), lo=0.3,
                        hi=3.0)
                grille = _rect(-0.3, 0.2, 0.3, 0.4) * [w, 3.0]
                c.paint([cam.face(d, z, grille)], None, (50, 50, 52),
                        hi=3.0)
                if z > 3.0:
                    # Cargo box above/behind the cab.
                    top = _rect(-0.5, 2.7, 0.5, hgt)
                    c.paint([cam.face(d, z + 2.3, top * [w, 1])], cls,
                            self.lit(car['box'], 0), lo=0.06, hi=3.0,
                            depth=z)
            return
        prof = np.array([[-0.5, 0.25], [-0.5, 0.62], [-0.44, 0.72],
                         [-0.37, 0.98], [0.37, 0.98], [0.44, 0.72],
                         [0.5, 0.62], [0.5, 0.25]])
        small = cam.scale(z) * w < 7
        if small:  # one polygon down to the ground, no details
            prof[[0, -1], 1] = 0.0
        else:
            tyres = [_rect(-0.47, 0.0, -0.3, 0.3) * wh,
                     _rect(0.3, 0.0, 0.47, 0.3) * wh]
            c.paint([cam.face(d, z, q) for q in tyres], cls, (22, 22, 24),
                    lo=0.05, hi=3.0, depth=z)
        top_v = cam.project(d, z, hgt)[1]
        bot_v = cam.project(d, z, 0.25 * hgt)[1]
        grad = _vgrad(colour * 1.1, colour * 0.8, top_v, bot_v)
        c.paint([cam.face(d, z, prof * wh)], cls, grad, lo=0.1, mid=0.02,
                hi=3.0, tint=3.0, depth=z)
        if small:
            return
        glass = np.array([[-0.4, 0.72], [-0.34, 0.94], [0.34, 0.94],
                          [0.4, 0.72]]) * wh
        c.paint([cam.face(d, z, glass)], None,
                _vgrad((90, 100, 115), (30, 34, 42),
                       cam.project(d, z, 0.94 * hgt)[1],
                       cam.project(d, z, 0.72 * hgt)[1]), lo=0.25, hi=3.0)
        bumper = _rect(-0.5, 0.25, 0.5, 0.34) * wh
        c.paint([cam.face(d, z, bumper)], None, colour * 0.55, lo=0.05,
                hi=3.0)
        if rear:
            lamp = (210, 30, 30)
            lamps = [_rect(-0.49, 0.55, -0.33, 0.64) * wh,
                     _rect(0.33, 0.55, 0.49, 0.64) * wh]
        else:
            lamp = (235, 235, 215)
            lamps = [_rect(-0.47, 0.48, -0.3, 0.56) * wh,
                     _rect(0.3, 0.48, 0.47, 0.56) * wh]
        c.paint([cam.face(d, z, q) for q in lamps], None, lamp, lo=0.05,
                hi=4.0)
        plate = _rect(-0.13, 0.36, 0.13, 0.46) * wh
        plate_poly = cam.face(d, z, plate)
        c.paint([plate_poly], None, (228, 228, 220), lo=0.02, hi=3.0)
        if cam.scale(z) * w > 25:
            glyphs = [_rect(x, 0.385, x + 0.025, 0.435) * wh
                      for x in np.arange(-0.1, 0.1, 0.04)]
            c.paint([cam.face(d, z, g) for g in glyphs], None, (30, 30, 30),
                    hi=2.0)
        if self.s['blur_plates'] and z < 25:
            c.blur_patch([plate_poly], 'Blurred area')

    def draw_person(self, p: dict, z: float, variant: int) -> None:
        """A pedestrian: legs, arms and torso, head."""
        c, cam = self.canvas, self.cam
        h, k = p['height'], p['width']
        cls = f'Pedestrian {variant}'
        phase = p['phase'] + (2.0 * self.t * (p['v'] != 0))
        swing = 0.16 * np.sin(phase) if p['v'] != 0 else 0.0
        d = p['d']
        small = cam.scale(z) * h < 14
        if not small:
            c.shade([cam.strip(d - 0.3, d + 0.3, max(z - 0.2, 1.0), z + 0.4,
                               n=2)], 0.6, soft=True)
        legs = [np.array([[-0.15 * k, 0.5 * h], [-0.01, 0.5 * h],
                          [-0.03 + swing, 0], [-0.14 * k + swing, 0]]),
                np.array([[0.01, 0.5 * h], [0.15 * k, 0.5 * h],
                          [0.14 * k - swing, 0], [0.03 - swing, 0]])]
        c.paint([cam.face(d, z, q) for q in legs], cls,
                self.lit(p['legs'], 0), lo=0.1, hi=4.0, depth=z)
        arms = [np.array([[-0.21 * k, 0.81 * h], [-0.14 * k, 0.81 * h],
                          [-0.2 * k - swing, 0.47 * h],
                          [-0.27 * k - swing, 0.47 * h]]),
                np.array([[0.14 * k, 0.81 * h], [0.21 * k, 0.81 * h],
                          [0.27 * k + swing, 0.47 * h],
                          [0.2 * k + swing, 0.47 * h]])]
        torso = np.array([[-0.17 * k, 0.48 * h], [-0.2 * k, 0.8 * h],
                          [-0.1 * k, 0.85 * h], [0.1 * k, 0.85 * h],
                          [0.2 * k, 0.8 * h], [0.17 * k, 0.48 * h]])
        top = self.lit(p['top'], 0)
        c.paint([cam.face(d, z, q) for q in arms + [torso]], cls, top,
                lo=0.12, mid=0.05, hi=4.0, tint=3.0, depth=z)
        r = 0.11 * h / 1.75
        u, v = cam.project(d, z, h - r)
        head = _circle(u, v, cam.scale(z) * r, 14)
        neck = cam.face(d, z, _rect(-0.04, 0.84 * h, 0.04, h - r))
        c.paint([head, neck], cls, self.lit(p['skin'], 0), lo=0.05, hi=3.0,
                depth=z)
        if not small:
            hair = _circle(u, v - cam.scale(z) * r * 0.35,
                           cam.scale(z) * r * 0.8, 12)
            c.paint([hair], None, (40, 30, 24), lo=0.1, hi=3.0)

    # -- ego hood and camera effects ---------------------------------------
    def draw_hood(self) -> None:
        """The ego car's hood at the bottom of the frame."""
        hood = self.s['hood']
        if hood is None:
            return
        c, cam = self.canvas, self.cam
        u = np.linspace(-1, cam.w + 1, 40)
        x = (u - cam.cx) / (cam.w / 2)
        top = cam.h * (1 - hood['height'] * (1 - hood['bulge'] * x * x))
        poly = np.concatenate([np.stack([u, top], 1),
                               [[cam.w + 1, cam.h + 1], [-1, cam.h + 1]]])
        sky = self.s['sky']
        grad = _vgrad(0.5 * hood['colour'] + 0.3 * sky['horizon'],
                      hood['colour'] * 0.6, top.min(), cam.h)
        c.paint([poly], 'Ego car', grad, lo=0.05, mid=0.0, hi=2.0, tint=2.0,
                depth=0)

    def finish(self) -> np.ndarray:
        """Haze, colour grading, lens blur, vignetting and sensor noise."""
        s, c, cam = self.s, self.canvas, self.cam
        img = c.img
        # Aerial perspective: distant things fade to the horizon colour.
        alpha = s['haze_max'] * (1 - np.exp(-c.depth / s['fog']))
        haze = s['sky']['horizon'].astype(np.float32)
        img += alpha[..., None] * (haze - img)
        g = s['grade']
        gain = g['gain'] * (1 + self.rng.normal(0, 0.02))
        img *= gain * np.array([1 + g['wb'], 1.0, 1 - g['wb']], np.float32)
        grey = img.mean(-1, keepdims=True)
        img = grey + g['sat'] * (img - grey)
        unit = cam.w / 480.0
        sigma = 0.45 * unit
        if sigma >= 0.3:
            img = cv2.GaussianBlur(img, (0, 0), sigma)
        # Stronger blur and darkening towards the corners.
        r2, edge_w = _radial(cam.w, cam.h)
        if unit * 1.4 >= 0.5:
            edge = cv2.GaussianBlur(img, (0, 0), 1.4 * unit)
            edge -= img
            edge *= edge_w
            img += edge
        img *= (1 - s['vignette'] * r2)
        # Sensor noise: grey and colour noise from the frame's noise bank.
        bank = c.hi
        oy, ox = c._offset()
        img += bank[oy:oy + cam.h, ox:ox + cam.w, None] * np.float32(
            s['noise'])
        for ch in range(3):
            oy, ox = c._offset()
            img[..., ch] += bank[oy:oy + cam.h, ox:ox + cam.w] * np.float32(
                0.4 * s['noise'])
        out = np.clip(img + 0.5, 0, 255).astype(np.uint8)
        # Camera response (gamma) through a lookup table.
        lut = np.clip(255.0 * (np.arange(256) / 255.0)**g['gamma'] + 0.5, 0,
                      255).astype(np.uint8)
        return cv2.LUT(out, lut)


# --------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------
def scene_name(scene_idx: int) -> str:
    """Folder name of scene ``scene_idx``: a made-up drive in 2099."""
    when = datetime(SCENE_YEAR, 1, 1, 9, 0, 0) + timedelta(
        days=scene_idx, minutes=(37 * scene_idx) % 540,
        seconds=(13 * scene_idx) % 60)
    return when.strftime('%Y%m%d_%H%M%S')


def split_scenes(scenes: Sequence[str]) -> Dict[str, List[str]]:
    """Scene splits: train / val / test, disjoint, covering every scene.

    With 3 or more scenes, ``max(1, round(n / 6))`` scenes each go to val
    and test (the last ones), the rest to train. With fewer, all to train
    and val / test are empty (their files are not written).
    """
    scenes = list(scenes)
    n = len(scenes)
    if n < 3:
        return {'train': scenes, 'val': [], 'test': []}
    k = max(1, int(round(n / 6)))
    return {'train': scenes[:n - 2 * k], 'val': scenes[n - 2 * k:n - k],
            'test': scenes[n - k:]}


def parse_size(text: Union[str, Sequence[int]]) -> Tuple[int, int]:
    """Parse ``'WxH'`` (e.g. ``'480x302'``) into ``(w, h)`` and check it."""
    if isinstance(text, str):
        parts = text.lower().replace('*', 'x').split('x')
        try:
            w, h = (int(p) for p in parts)
        except ValueError:
            raise SyntheticA2D2Error(
                f'--size must be WIDTHxHEIGHT such as 480x302 or 1920x1208, '
                f'got {text!r}') from None
    else:
        w, h = (int(v) for v in text)
    if w < MIN_SIZE[0] or h < MIN_SIZE[1]:
        raise SyntheticA2D2Error(
            f'size {w}x{h} is too small (at least {MIN_SIZE[0]}x'
            f'{MIN_SIZE[1]})')
    if w > 4096 or h > 4096:
        raise SyntheticA2D2Error(f'size {w}x{h} is too large (at most '
                                 '4096 per side)')
    return w, h


def _is_synthetic_output(out_dir: str) -> bool:
    """True if ``out_dir`` holds an earlier output of this generator."""
    marker = osp.join(out_dir, MARKER)
    if not osp.isfile(marker):
        return False
    with open(marker, encoding='utf-8', errors='replace') as f:
        if f.readline().strip() != MARKER_LINE:
            return False
    raw = osp.join(out_dir, RAW_DIR)
    if osp.islink(raw):
        return False
    if osp.isdir(raw):
        for name in os.listdir(raw):
            if name == 'class_list.json':
                continue
            if not name.startswith(str(SCENE_YEAR)):
                return False  # real scenes were put here
    return True


def _prepare_out(out_dir: str, overwrite: bool) -> bool:
    """Check and clear the output folder. Returns True if it replaced an
    earlier output."""
    if osp.exists(out_dir) and not osp.isdir(out_dir):
        raise SyntheticA2D2Error(f'{out_dir}: exists and is not a folder')
    if not osp.isdir(out_dir) or not os.listdir(out_dir):
        os.makedirs(out_dir, exist_ok=True)
        return False
    if not _is_synthetic_output(out_dir) and not overwrite:
        raise SyntheticA2D2Error(
            f'{out_dir}: the folder is not empty and is not an earlier '
            f'synthetic A2D2 output (no {MARKER} from this tool, or scenes '
            f'that are not from {SCENE_YEAR}); refusing to write into it. '
            f'Pick an empty --out, or pass --overwrite to replace its '
            f'{RAW_DIR}/, splits/ and {MARKER} (other files are kept).')
    for name in (RAW_DIR, 'splits', MARKER):
        path = osp.join(out_dir, name)
        if osp.islink(path) or osp.isfile(path):
            os.unlink(path)
        elif osp.isdir(path):
            shutil.rmtree(path)
    return True


def _command(out_dir: str, num_scenes: int, frames_per_scene: int,
             size: Tuple[int, int], seed: int) -> str:
    """The command line that reproduces an output."""
    return (f'python tools/misc/make_synthetic_a2d2.py --out {out_dir} '
            f'--scenes {num_scenes} --frames-per-scene {frames_per_scene} '
            f'--size {size[0]}x{size[1]} --seed {seed}')


def _readme(command: str, seed: int, num_scenes: int, frames: int,
            size: Tuple[int, int], splits: Dict[str, List[str]]) -> str:
    """The text of ``SYNTHETIC_README.txt``."""
    split_lines = '\n'.join(
        f'  {name}: {len(splits[name])} scene(s)'
        + ('' if splits[name] else ' (no file written)') for name in SPLITS)
    return f"""{MARKER_LINE}

This folder is SYNTHETIC data in the raw A2D2 layout, written by
tools/misc/make_synthetic_a2d2.py of a2d2_mmseg. It stands in for the Audi
A2D2 dataset (https://www.a2d2.audi), which cannot be downloaded here. It is
not A2D2: street scenes are drawn procedurally (perspective road, lane lines,
curbs, sidewalks, buildings, vegetation, poles and signs, cars, trucks,
pedestrians), with A2D2's file names, camera JSON files and exact RGB label
colours from class_list.json. Results on it say nothing about real A2D2.

Seed: {seed}
Scenes: {num_scenes} x {frames} frames, {size[0]}x{size[1]} pixels
Splits (splits/*.txt, one scene per line):
{split_lines}
Command:
  {command}

The same command writes byte-identical files. Running it again on this
folder replaces camera_lidar_semantic/, splits/ and this file.
"""


def _write_frame(base: str, stamp: str, frame_id: str, image: np.ndarray,
                 index: np.ndarray, tstamp: int) -> None:
    """Write one frame: camera PNG, camera JSON, RGB label PNG."""
    cam_dir = osp.join(base, 'camera', CAMERA)
    lbl_dir = osp.join(base, 'label', CAMERA)
    img_name = f'{stamp}_camera_frontcenter_{frame_id}.png'
    lbl_name = f'{stamp}_label_frontcenter_{frame_id}.png'
    if not cv2.imwrite(osp.join(cam_dir, img_name),
                       np.ascontiguousarray(image[..., ::-1]), _PNG_PARAMS):
        raise OSError(f'{osp.join(cam_dir, img_name)}: cannot write')
    label_bgr = np.ascontiguousarray(PALETTE[index][..., ::-1])
    if not cv2.imwrite(osp.join(lbl_dir, lbl_name), label_bgr, _PNG_PARAMS):
        raise OSError(f'{osp.join(lbl_dir, lbl_name)}: cannot write')
    meta = {
        'cam_tstamp': tstamp,
        'cam_name': 'front_center',
        'image_png': img_name,
        'image_zoom': 1.0,
        'pcld_view': {
            'origin': [1.711, 0.0, 0.943],
            'x-axis': [1.0, 0.0, 0.0],
            'y-axis': [0.0, 1.0, 0.0],
        },
        'synthetic': True,
    }
    with open(osp.join(cam_dir, img_name[:-4] + '.json'), 'w',
              encoding='utf-8') as f:
        json.dump(meta, f, indent=4)
        f.write('\n')


def _progress(total: int, enabled: bool):
    """An mmengine progress bar, or a no-op when disabled/unavailable."""
    if enabled:
        try:
            from mmengine.utils import ProgressBar
            return ProgressBar(total)
        except ImportError:
            pass

    class _Null:

        def update(self, num_tasks: int = 1) -> None:
            pass

    return _Null()


def render_frame(seed: int, scene_idx: int, frame_idx: int,
                 frames_per_scene: int = 8,
                 size: Tuple[int, int] = DEFAULT_SIZE
                 ) -> Tuple[np.ndarray, np.ndarray]:
    """Draw one frame without writing it.

    Args:
        seed (int): Dataset seed.
        scene_idx (int): Scene number.
        frame_idx (int): Frame number within the scene.
        frames_per_scene (int): Frames of the scene (its drive length).
        size (tuple[int, int]): ``(w, h)``.

    Returns:
        tuple: RGB image (uint8 ``[h, w, 3]``) and label indices into
        :data:`A2D2_CLASS_LIST` (uint8 ``[h, w]``); ``PALETTE[index]`` is
        the A2D2 colour label.
    """
    w, h = size
    layout = _scene_layout(np.random.default_rng([seed, scene_idx]), w, h,
                           frames_per_scene)
    rng = np.random.default_rng([seed, scene_idx, frame_idx])
    return _FrameRenderer(layout, w, h, frame_idx * FRAME_DT, rng).run()


def make_synthetic_a2d2(out_dir: str,
                        num_scenes: int = 6,
                        frames_per_scene: int = 8,
                        size: Union[Tuple[int, int], str] = DEFAULT_SIZE,
                        seed: int = 0,
                        overwrite: bool = False,
                        progress: bool = True) -> dict:
    """Write a synthetic dataset in the raw A2D2 layout.

    Args:
        out_dir (str): Output folder (the dataset's ``data_root``). Created
            if missing. An earlier output of this tool is replaced; any other
            non-empty folder is refused unless ``overwrite``.
        num_scenes (int): Number of scenes (drives). Defaults to 6.
        frames_per_scene (int): Frames per scene. Defaults to 8.
        size (tuple[int, int] | str): ``(w, h)`` or ``'WxH'``. Defaults to
            ``(480, 302)`` (A2D2's 1920x1208 divided by 4).
        seed (int): Non-negative seed; the same arguments give
            byte-identical files. Defaults to 0.
        overwrite (bool): Replace ``camera_lidar_semantic/``, ``splits/``
            and ``SYNTHETIC_README.txt`` of a folder that is not an earlier
            synthetic output. Other files are kept. Defaults to False.
        progress (bool): Show an mmengine progress bar. Defaults to True.

    Returns:
        dict: Summary with ``out_dir``, ``num_scenes``, ``frames_per_scene``,
        ``num_frames``, ``size`` (w, h), ``seed``, ``scenes``, ``splits``
        (split -> scene list), ``frames`` (scene -> frame ids),
        ``label_pixels`` (label name -> pixel count over all frames),
        ``categories`` (A2D2 categories present), ``replaced`` (an earlier
        output was replaced), ``seconds``.

    Raises:
        SyntheticA2D2Error: Bad arguments or a folder that must not be
            written.
    """
    start = time.perf_counter()
    given_out = os.fspath(out_dir)
    w, h = parse_size(size)
    for name, value, low in (('num_scenes', num_scenes, 1),
                             ('frames_per_scene', frames_per_scene, 1),
                             ('seed', seed, 0)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise SyntheticA2D2Error(f'{name} must be an integer, got '
                                     f'{value!r}')
        if value < low:
            raise SyntheticA2D2Error(f'{name} must be >= {low}, got {value}')
    if num_scenes > 10000 or frames_per_scene > 100000:
        raise SyntheticA2D2Error('too many scenes or frames')
    num_scenes, frames_per_scene, seed = (int(num_scenes),
                                          int(frames_per_scene), int(seed))

    replaced = _prepare_out(given_out, overwrite)
    raw = osp.join(given_out, RAW_DIR)
    os.makedirs(raw, exist_ok=True)
    with open(osp.join(raw, 'class_list.json'), 'w', encoding='utf-8') as f:
        json.dump(dict(A2D2_CLASS_LIST), f, indent=4)
        f.write('\n')

    scenes = [scene_name(i) for i in range(num_scenes)]
    frames: Dict[str, List[str]] = {}
    counts = np.zeros(len(A2D2_CLASS_LIST), np.int64)
    bar = _progress(num_scenes * frames_per_scene, progress)
    for si, scene in enumerate(scenes):
        scene_rng = np.random.default_rng([seed, si])
        layout = _scene_layout(scene_rng, w, h, frames_per_scene)
        first = int(scene_rng.integers(1, 4000)) * FRAME_STEP
        stamp = scene.replace('_', '')
        epoch = int(datetime.strptime(stamp, '%Y%m%d%H%M%S').replace(
            tzinfo=timezone.utc).timestamp())
        base = osp.join(raw, scene)
        os.makedirs(osp.join(base, 'camera', CAMERA), exist_ok=True)
        os.makedirs(osp.join(base, 'label', CAMERA), exist_ok=True)
        frames[scene] = []
        for fi in range(frames_per_scene):
            frame_no = first + FRAME_STEP * fi
            frame_id = f'{frame_no:09d}'
            rng = np.random.default_rng([seed, si, fi])
            image, index = _FrameRenderer(layout, w, h, fi * FRAME_DT,
                                          rng).run()
            counts += np.bincount(index.ravel(), minlength=len(counts))
            tstamp = epoch * 1_000_000 + frame_no * 100_000
            _write_frame(base, stamp, frame_id, image, index, tstamp)
            frames[scene].append(frame_id)
            bar.update()

    splits = split_scenes(scenes)
    split_dir = osp.join(given_out, 'splits')
    os.makedirs(split_dir, exist_ok=True)
    for name in SPLITS:
        if splits[name]:
            with open(osp.join(split_dir, f'{name}.txt'), 'w',
                      encoding='utf-8') as f:
                f.write(''.join(f'{s}\n' for s in splits[name]))
    command = _command(given_out, num_scenes, frames_per_scene, (w, h), seed)
    with open(osp.join(given_out, MARKER), 'w', encoding='utf-8') as f:
        f.write(_readme(command, seed, num_scenes, frames_per_scene, (w, h),
                        splits))

    label_pixels = {
        name: int(counts[i])
        for i, (_, name) in enumerate(A2D2_CLASS_LIST) if counts[i]
    }
    categories = sorted({_meta.category_of(n) for n in label_pixels})
    return dict(out_dir=given_out, num_scenes=num_scenes,
                frames_per_scene=frames_per_scene,
                num_frames=num_scenes * frames_per_scene, size=(w, h),
                seed=seed, scenes=scenes, splits=splits, frames=frames,
                label_pixels=label_pixels, categories=categories,
                replaced=replaced, command=command,
                seconds=time.perf_counter() - start)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line.

    Args:
        argv (list[str], optional): Arguments; None reads ``sys.argv``.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser = argparse.ArgumentParser(
        description='Write a small synthetic driving dataset in the raw A2D2 '
        'layout (camera PNG + JSON, RGB colour labels, class_list.json, '
        'scene split lists). It stands in for A2D2, which cannot be '
        'downloaded here.')
    parser.add_argument('--out', default=DEFAULT_OUT,
                        help=f'output folder, the dataset data_root '
                        f'(default: {DEFAULT_OUT})')
    parser.add_argument('--scenes', type=int, default=6,
                        help='number of scenes (default: 6; 3 or more give '
                        'train/val/test splits, fewer only train)')
    parser.add_argument('--frames-per-scene', type=int, default=8,
                        help='frames per scene (default: 8)')
    parser.add_argument('--size', default='480x302',
                        help='image size WxH (default: 480x302; A2D2 is '
                        '1920x1208)')
    parser.add_argument('--seed', type=int, default=0,
                        help='random seed; same arguments, same bytes '
                        '(default: 0)')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace camera_lidar_semantic/, splits/ and '
                        f'{MARKER} of a non-empty folder that is not an '
                        'earlier synthetic output')
    parser.add_argument('--no-progress', action='store_true',
                        help='do not show a progress bar')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command-line entry point.

    Args:
        argv (list[str], optional): Arguments; None reads ``sys.argv``.

    Returns:
        int: 0 on success, 2 for bad arguments or a refused output folder
        (the reason is printed to stderr).
    """
    args = parse_args(argv)
    try:
        summary = make_synthetic_a2d2(
            args.out, num_scenes=args.scenes,
            frames_per_scene=args.frames_per_scene, size=args.size,
            seed=args.seed, overwrite=args.overwrite,
            progress=not args.no_progress)
    except SyntheticA2D2Error as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    sp = summary['splits']
    w, h = summary['size']
    print(f'\n{"Replaced" if summary["replaced"] else "Wrote"} synthetic '
          f'A2D2: {summary["num_scenes"]} scenes x '
          f'{summary["frames_per_scene"]} frames = {summary["num_frames"]} '
          f'frames of {w}x{h} (seed {summary["seed"]}, '
          f'{len(summary["categories"])} categories; splits train '
          f'{len(sp["train"])} / val {len(sp["val"])} / test '
          f'{len(sp["test"])} scenes) in {summary["out_dir"]} '
          f'({summary["seconds"]:.1f} s)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
