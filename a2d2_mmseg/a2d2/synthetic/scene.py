"""The elements of one scene: what a scene layout holds.

Road position ``s`` (metres from the ego car at time 0), lateral ``d``
(metres right of the centre divider), height ``y``; colours RGB 0..255
(numpy arrays or tuples). Every frame of a scene is drawn from the same
:class:`Scene` at its time. Each element is a dataclass compared by
identity; those without methods are made from the table
:data:`_ELEMENTS`. The base paint colours of the things in a scene follow
them.
"""
import dataclasses
from typing import Optional, Union

import numpy as np


def _record(name: str, fields: str, doc: str,
            namespace: Optional[dict] = None) -> type:
    """A dataclass ``name`` with the space-separated ``fields`` and class
    attributes ``namespace``, compared by identity (its numpy fields have
    no plain ``==``)."""
    cls = dataclasses.make_dataclass(
        name, fields.split(), eq=False,
        namespace=dict(namespace or {}, __doc__=doc))
    cls.__module__ = __name__
    return cls


class Road(_record(
        'Road', 'lane_w n_same n_onc parking right_line right_edge '
        'left_line left_edge ego_lane centre_dashed curb_w line_w dash '
        'asphalt paint paving curb grass', '')):
    """Lanes (``n_same`` right of the divider, ``n_onc`` oncoming), solid
    edge lines ``*_line``, curbs' road side ``*_edge``, ``dash`` (length,
    gap, phase) in metres, and surface colours."""

    @property
    def d_ego(self) -> float:
        """Lateral position of the middle of the ego lane."""
        return (self.ego_lane + 0.5) * self.lane_w


class Pace(_record('Pace', 'z_mean amp period phase', '')):
    """Keeps pace with the ego car around ``z_mean`` metres ahead."""

    def depth(self, t: float, ego_s: float) -> float:
        """Depth ahead of the camera at time ``t``."""
        return self.z_mean + self.amp * np.sin(2 * np.pi * t / self.period +
                                               self.phase)


class Parked(_record('Parked', 's', '')):
    """Stands at road position ``s``."""

    def depth(self, t: float, ego_s: float) -> float:
        """Depth ahead of the camera when the ego car is at ``ego_s``."""
        return self.s - ego_s


class Moving(_record('Moving', 's0 v', '')):
    """Drives at ``v`` m/s from road position ``s0`` (negative: towards us)."""

    def depth(self, t: float, ego_s: float) -> float:
        """Depth ahead of the camera at time ``t``."""
        return self.s0 + self.v * t - ego_s


Motion = Union[Pace, Parked, Moving]
# The other elements: name, fields, docstring and (street objects) the
# ``kind`` that picks their painter.
_ELEMENTS = (
    ('CameraSetup', 'focal horizon height curvature heading speed s_end',
     "The ego car's camera and motion (pixels, metres, radians, m/s)."),
    ('Side', 'sign edge inner walk_end outer verge',
     'One side of the street (``sign`` +1 right): curb, sidewalk, verge '
     "(``'grass'`` or None)."),
    ('Crossing', 's width zebra signals',
     'A cross street from ``s`` to ``s + width``.'),
    ('Roof', 'height colour',
     'A pitched roof: ridge ``height`` above the eaves and its colour.'),
    ('Building', 'sign d s0 s1 height depth roof colour style floor win_w '
     'win_h win_step win_colour frame_colour shop',
     'A facade from ``s0`` to ``s1`` at lateral ``d`` (``roof``: a '
     ':class:`Roof` or None).'),
    ('Tree', 'd s trunk_h trunk_w crown colour blobs',
     'A tree at ``(d, s)``; ``blobs`` ``[7, 3]`` place and size its crown.',
     dict(kind='tree')),
    ('Hedge', 'd s0 s1 height phase',
     'A hedge at lateral ``d`` from ``s0`` to ``s1``; its top waves.'),
    ('Sign', 'd s height shape back size style',
     'A traffic sign on a pole; colour ``style`` 0..2.', dict(kind='sign')),
    ('StreetLight', 'd s height side',
     'A street light whose arm reaches over the road from ``side``.',
     dict(kind='light')),
    ('Signal', 'd s height side arm light',
     'Traffic signals; ``arm`` over the road, ``light`` the lit lamp.',
     dict(kind='signal')),
    ('Vehicle', 'kind d facing motion colour box width length height',
     "A car or truck at lateral ``d``, ``facing`` 'rear' or 'front', "
     'moving by ``motion`` (a :data:`Motion`).'),
    ('Person', 'd s v height width top legs skin phase',
     'A pedestrian on a sidewalk walking at ``v`` m/s (0: standing).'),
    ('Hood', 'height bulge colour',
     "The ego car's hood; ``height`` at the sides, an image fraction."),
    ('Sky', 'kind zenith horizon clouds',
     'Sky ``kind``, zenith and horizon colours and cloud cover (0..1).'),
    ('Lighting', 'sky sun_side sun shadow fog haze_max gain wb sat gamma '
     'vignette noise',
     'A :class:`Sky`, sun (side ``sun_side``), haze, colour grading (gain, '
     'white balance shift ``wb``, saturation, gamma), vignette and sensor '
     'noise.'),
    ('TreeLine', 'z base amp jitter colour',
     'The wooded skyline at depth ``z``.'),
    ('FarBlock', 'x width height colour',
     'A distant building block at the horizon (``x`` in image widths).'),
    ('Scene', 'kind camera road sides crossing zebra buildings z_vis trees '
     'hedges poles vehicles people hood blur_plates light treeline '
     'cloud_seed far_blocks',
     "One scene's layout, shared by its frames; street objects beyond "
     "``z_vis`` metres (hidden by a curved road's facades) are not drawn."),
)
(CameraSetup, Side, Crossing, Roof, Building, Tree, Hedge, Sign, StreetLight,
 Signal, Vehicle, Person, Hood, Sky, Lighting, TreeLine, FarBlock,
 Scene) = [_record(*element) for element in _ELEMENTS]
Pole = Union[Sign, StreetLight, Signal]

# Base paint colours (RGB, 0..255) of the things in a scene (not labels).
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
ROOF_COLOURS = [(130, 60, 48), (90, 80, 80), (70, 60, 58), (150, 80, 60)]
WINDOW_COLOURS = [(50, 60, 70), (70, 80, 96), (40, 44, 50), (96, 110, 130)]
WINDOW_FRAME_COLOURS = [(235, 235, 230), (60, 50, 40), (120, 120, 118)]
PAVING_COLOURS = [(150, 146, 140), (170, 160, 150), (160, 120, 110),
                  (130, 130, 134), (182, 176, 160)]
GRASS_COLOURS = [(86, 120, 52), (104, 126, 60), (120, 118, 70),
                 (74, 104, 50)]
TRUCK_BOX_COLOURS = [(235, 235, 235), (200, 40, 30), (40, 60, 120),
                     (220, 220, 200)]
FOLIAGE = [(58, 92, 40), (70, 110, 46), (46, 76, 38), (88, 112, 44),
           (60, 100, 62), (120, 112, 48)]
CLOTHES = [(30, 30, 34), (40, 50, 90), (150, 30, 30), (200, 200, 196),
           (90, 90, 96), (60, 90, 60), (180, 140, 90), (120, 60, 120),
           (220, 180, 40), (70, 120, 180)]
TROUSERS = [(30, 34, 50), (24, 24, 26), (80, 80, 86), (170, 150, 120),
            (44, 60, 100)]
SKIN = [(230, 190, 160), (200, 150, 120), (150, 100, 70), (100, 66, 46)]
