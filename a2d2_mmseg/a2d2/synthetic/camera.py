"""The front camera over the road, and small polygon helpers.

Road coordinates: ``d`` metres right of the centre divider, ``z`` metres
ahead, ``y`` metres up; polygons are float64 ``[N, 2]`` pixel ``(u, v)``.
"""
import functools

import numpy as np


class Camera:
    """A pinhole front camera above a (possibly curved) flat road.

    Args:
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
        """Lateral camera position of the road centre at depth(s) ``z``."""
        return self.x0 + self.heading * z + 0.5 * self.k * z * z

    def project(self, d, z, y=0.0) -> np.ndarray:
        """Project road coordinates ``d, z, y`` (broadcast) to ``[..., 2]``
        pixels."""
        z = np.asarray(z, np.float64)
        u = self.cx + self.f * (self.road_x(z) + d) / z
        v = self.horizon + self.f * (self.height - np.asarray(y)) / z
        return np.stack(np.broadcast_arrays(u, v), -1)

    def scale(self, z: float) -> float:
        """Pixels per metre at depth ``z``."""
        return self.f / z

    def ground_z(self) -> np.ndarray:
        """Depth of the ground in each image row: float64 ``[h]``, inf above
        horizon."""
        rows = np.arange(self.h, dtype=np.float64) + 0.5
        dv = rows - self.horizon
        with np.errstate(divide='ignore'):
            z = np.where(dv > 0.5, self.f * self.height / np.maximum(dv, 1e-6),
                         np.inf)
        return z

    def strip(self, d0, d1, z0: float, z1: float, n: int = 24) -> np.ndarray:
        """Ground polygon between lateral ``d0`` and ``d1`` from z0 to z1;
        ``[2n, 2]``."""
        z = geomspace(z0, z1, n)
        return np.concatenate([self.project(d0, z),
                               self.project(d1, z)[::-1]])

    def wall(self, d, z0: float, z1: float, y0, y1, n: int = 12
             ) -> np.ndarray:
        """Vertical polygon at lateral ``d`` (z0..z1) from ``y0`` to ``y1``;
        ``[2n, 2]``."""
        z = geomspace(z0, z1, n)
        return np.concatenate([self.project(d, z, y0),
                               self.project(d, z, y1)[::-1]])

    def face(self, d: float, z: float, pts) -> np.ndarray:
        """Polygon ``pts`` (lateral, height) across the road at depth ``z``;
        ``[N, 2]``."""
        pts = np.asarray(pts, np.float64)
        return self.project(d + pts[:, 0], z, pts[:, 1])

    def side(self, d: float, z: float, pts) -> np.ndarray:
        """Polygon ``pts`` (depth offset, height) along the road at ``d``;
        ``[N, 2]``."""
        pts = np.asarray(pts, np.float64)
        return self.project(d, z + pts[:, 0], pts[:, 1])


@functools.lru_cache(maxsize=64)
def _unit_steps(n: int) -> np.ndarray:
    """Cached, read-only ``linspace(0, 1, n)``."""
    steps = np.linspace(0.0, 1.0, n)
    steps.flags.writeable = False
    return steps


def geomspace(z0: float, z1: float, n: int) -> np.ndarray:
    """``np.geomspace(z0, z1, n)`` for positive scalars, faster; ``[n]``."""
    return z0 * (z1 / z0)**_unit_steps(n)


def circle(cx: float, cy: float, r: float, n: int = 20) -> np.ndarray:
    """A circle of radius ``r`` around ``(cx, cy)`` as an ``[n, 2]``
    polygon."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.stack([cx + r * np.cos(t), cy + r * np.sin(t)], -1)


def rect(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    """An axis-aligned rectangle as a ``[4, 2]`` polygon."""
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float64)
