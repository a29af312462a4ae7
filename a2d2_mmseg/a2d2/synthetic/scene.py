"""The elements of one scene: what a scene layout holds.

Road position ``s`` (metres from the ego car at time 0), lateral ``d``
(metres right of the centre divider), height ``y``; colours RGB 0..255.
Every frame of a scene is drawn from the same :class:`Scene` at its time.
"""
from dataclasses import dataclass
from typing import ClassVar, Dict, List, Optional, Tuple, Union

import numpy as np

Colour = Union[np.ndarray, Tuple[int, int, int]]


@dataclass(eq=False)
class CameraSetup:
    """The ego car's camera and motion (pixels, metres, radians, m/s)."""

    focal: float
    horizon: float
    height: float
    curvature: float
    heading: float
    speed: float
    s_end: float


@dataclass(eq=False)
class Road:
    """Lanes (``n_same`` right of the divider, ``n_onc`` oncoming), solid
    edge lines ``*_line``, curbs' road side ``*_edge``, ``dash`` (length,
    gap, phase) in metres, and surface colours."""

    lane_w: float
    n_same: int
    n_onc: int
    parking: bool
    right_line: float
    right_edge: float
    left_line: float
    left_edge: float
    ego_lane: int
    centre_dashed: bool
    curb_w: float
    line_w: float
    dash: Tuple[float, float, float]
    asphalt: np.ndarray
    paint: np.ndarray
    paving: Colour
    curb: np.ndarray
    grass: Colour

    @property
    def d_ego(self) -> float:
        """Lateral position of the middle of the ego lane."""
        return (self.ego_lane + 0.5) * self.lane_w


@dataclass(eq=False)
class Side:
    """One side of the street (``sign`` +1 right): curb, sidewalk, verge."""

    sign: int
    edge: float
    inner: float
    walk_end: float
    outer: float
    verge: Optional[str]


@dataclass(eq=False)
class Crossing:
    """A cross street from ``s`` to ``s + width``."""

    s: float
    width: float
    zebra: bool
    signals: bool


@dataclass(eq=False)
class Roof:
    """A pitched roof: ridge ``height`` above the eaves and its colour."""

    height: float
    colour: Colour


@dataclass(eq=False)
class Building:
    """A facade from ``s0`` to ``s1`` at lateral ``d``."""

    sign: int
    d: float
    s0: float
    s1: float
    height: float
    depth: float
    roof: Optional[Roof]
    colour: np.ndarray
    style: str
    floor: float
    win_w: float
    win_h: float
    win_step: float
    win_colour: np.ndarray
    frame_colour: np.ndarray
    shop: bool


@dataclass(eq=False)
class Tree:
    """A tree at ``(d, s)``; ``blobs`` ``[7, 3]`` place and size its crown."""

    kind: ClassVar[str] = 'tree'
    d: float
    s: float
    trunk_h: float
    trunk_w: float
    crown: float
    colour: np.ndarray
    blobs: np.ndarray


@dataclass(eq=False)
class Hedge:
    """A hedge at lateral ``d`` from ``s0`` to ``s1``; its top waves."""

    d: float
    s0: float
    s1: float
    height: float
    phase: float


@dataclass(eq=False)
class Sign:
    """A traffic sign on a pole; colour ``style`` 0..2."""

    kind: ClassVar[str] = 'sign'
    d: float
    s: float
    height: float
    shape: str
    back: bool
    size: float
    style: int


@dataclass(eq=False)
class StreetLight:
    """A street light whose arm reaches over the road from ``side``."""

    kind: ClassVar[str] = 'light'
    d: float
    s: float
    height: float
    side: str


@dataclass(eq=False)
class Signal:
    """Traffic signals; ``arm`` over the road, ``light`` the lit lamp."""

    kind: ClassVar[str] = 'signal'
    d: float
    s: float
    height: float
    side: str
    arm: bool
    light: int


Pole = Union[Sign, StreetLight, Signal]


@dataclass(eq=False)
class Pace:
    """Keeps pace with the ego car around ``z_mean`` metres ahead."""

    z_mean: float
    amp: float
    period: float
    phase: float

    def depth(self, t: float, ego_s: float) -> float:
        """Depth ahead of the camera at time ``t``."""
        return self.z_mean + self.amp * np.sin(2 * np.pi * t / self.period +
                                               self.phase)


@dataclass(eq=False)
class Parked:
    """Stands at road position ``s``."""

    s: float

    def depth(self, t: float, ego_s: float) -> float:
        """Depth ahead of the camera when the ego car is at ``ego_s``."""
        return self.s - ego_s


@dataclass(eq=False)
class Moving:
    """Drives at ``v`` m/s from road position ``s0`` (negative: towards us)."""

    s0: float
    v: float

    def depth(self, t: float, ego_s: float) -> float:
        """Depth ahead of the camera at time ``t``."""
        return self.s0 + self.v * t - ego_s


Motion = Union[Pace, Parked, Moving]


@dataclass(eq=False)
class Vehicle:
    """A car or truck at lateral ``d``, ``facing`` 'rear' or 'front'."""

    kind: str
    d: float
    facing: str
    motion: Motion
    colour: np.ndarray
    box: np.ndarray
    width: float
    length: float
    height: float


@dataclass(eq=False)
class Person:
    """A pedestrian on a sidewalk walking at ``v`` m/s (0: standing)."""

    d: float
    s: float
    v: float
    height: float
    width: float
    top: np.ndarray
    legs: np.ndarray
    skin: np.ndarray
    phase: float


@dataclass(eq=False)
class Hood:
    """The ego car's hood; ``height`` at the sides, an image fraction."""

    height: float
    bulge: float
    colour: np.ndarray


@dataclass(eq=False)
class Sky:
    """Sky ``kind``, zenith and horizon colours and cloud cover (0..1)."""

    kind: str
    zenith: np.ndarray
    horizon: np.ndarray
    clouds: float


@dataclass(eq=False)
class Lighting:
    """Sky, sun (side ``sun_side``), haze, colour grading (gain, white
    balance shift ``wb``, saturation, gamma), vignette and sensor noise."""

    sky: Sky
    sun_side: float
    sun: float
    shadow: float
    fog: float
    haze_max: float
    gain: float
    wb: float
    sat: float
    gamma: float
    vignette: float
    noise: float


@dataclass(eq=False)
class TreeLine:
    """The wooded skyline at depth ``z``."""

    z: float
    base: float
    amp: float
    jitter: np.ndarray
    colour: np.ndarray


@dataclass(eq=False)
class FarBlock:
    """A distant building block at the horizon (``x`` in image widths)."""

    x: float
    width: float
    height: float
    colour: np.ndarray


@dataclass(eq=False)
class Scene:
    """One scene's layout, shared by its frames; street objects beyond
    ``z_vis`` metres (hidden by a curved road's facades) are not drawn."""

    kind: str
    camera: CameraSetup
    road: Road
    sides: Dict[str, Side]
    crossing: Optional[Crossing]
    zebra: Optional[float]
    buildings: List[Building]
    z_vis: float
    trees: List[Tree]
    hedges: List[Hedge]
    poles: List[Pole]
    vehicles: List[Vehicle]
    people: List[Person]
    hood: Optional[Hood]
    blur_plates: bool
    light: Lighting
    treeline: TreeLine
    cloud_seed: int
    far_blocks: List[FarBlock]
