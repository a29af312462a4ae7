"""Cars and trucks, and the ego car's hood.

A vehicle is its shadow, the long side the camera sees and its near face,
labelled ``Car {n}`` / ``Truck {n}``; lamps, glass and plates are
image-only (blurred plates are ``Blurred area``, as in A2D2).
"""
import numpy as np

from a2d2_mmseg.a2d2.synthetic.camera import circle, rect
from a2d2_mmseg.a2d2.synthetic.canvas import FrameContext, vgrad
from a2d2_mmseg.a2d2.synthetic.scene import Vehicle

# Truck cab length (metres).
_CAB = 2.2
# Side profile of a car, (fraction of length, fraction of height), rear
# first; and its side windows.
_CAR_PROFILE = np.array([[0.0, 0.28], [0.0, 0.62], [0.05, 0.68],
                         [0.24, 0.72], [0.34, 0.98], [0.74, 1.0],
                         [0.88, 0.72], [1.0, 0.64], [1.0, 0.28]])
_CAR_WINDOWS = np.array([[0.27, 0.73], [0.36, 0.94], [0.72, 0.95],
                         [0.85, 0.73]])
# Rear/front outline of a car, (fraction of width, fraction of height).
_CAR_FACE = np.array([[-0.5, 0.25], [-0.5, 0.62], [-0.44, 0.72],
                      [-0.37, 0.98], [0.37, 0.98], [0.44, 0.72],
                      [0.5, 0.62], [0.5, 0.25]])


def _pair(inner: float, outer: float, y0: float, y1: float) -> list:
    """Two rectangles from ``inner`` to ``outer`` either side of the centre
    line, from ``y0`` to ``y1``."""
    return [rect(-outer, y0, -inner, y1), rect(inner, y0, outer, y1)]


def draw_vehicle(fr: FrameContext, car: Vehicle, z: float,
                 variant: int) -> None:
    """A car or truck whose near face is at depth ``z``."""
    c, cam = fr.canvas, fr.cam
    truck = car.kind == 'truck'
    cls = f'Truck {variant}' if truck else f'Car {variant}'
    w, L = car.width, car.length
    d = car.d
    # Shadow under the vehicle (image only).
    if cam.scale(z) * w >= 3:
        c.shade([cam.strip(d - w / 2 - 0.15, d + w / 2 + 0.15,
                           max(z - 0.3, 1.0), z + L + 0.2, n=4)], 0.45,
                soft=True)
    # Which long side the camera sees.
    x_mid = cam.road_x(z + L / 2) + d
    if x_mid > w / 2 or x_mid < -w / 2:
        side_d = d - w / 2 if x_mid > 0 else d + w / 2
        facing = 1 if x_mid < 0 else -1
        _vehicle_side(fr, car, cls, side_d, z, facing, truck)
    _vehicle_face(fr, car, cls, z, truck)


def _vehicle_side(fr: FrameContext, car: Vehicle, cls: str, side_d: float,
                  z: float, facing: int, truck: bool) -> None:
    """The long side at lateral ``side_d`` facing ``facing`` (+1 right):
    a truck's chassis, box and cab, or a car's profile (one polygon when
    small) with windows; then the wheels."""
    c, cam = fr.canvas, fr.cam
    L, hgt = car.length, car.height
    colour = fr.lit(car.colour, facing)
    front = car.facing == 'front'  # nose towards the camera
    if truck:
        cab = rect(0, 0.5, _CAB, 2.9) if front else rect(
            L - _CAB, 0.5, L, 2.9)
        box = rect(_CAB + 0.1, 0.9, L, hgt) if front else rect(
            0, 0.9, L - _CAB - 0.1, hgt)
        c.paint([cam.side(side_d, z, rect(0, 0.35, L, 1.0))], cls,
                (40, 40, 42), lo=0.05, hi=4.0, depth=z)  # chassis
        c.paint([cam.side(side_d, z, box)], cls, fr.lit(car.box, facing),
                lo=0.05, mid=0.03, hi=3.0, depth=z)
        c.paint([cam.side(side_d, z, cab)], cls, colour, lo=0.08, hi=3.0,
                depth=z)
        wheels = [cam.side(side_d, z, circle(sx, 0.5, 0.5, 14))
                  for sx in (0.9, L - 1.2, L - 2.3)]
    else:
        prof, win = _CAR_PROFILE.copy(), _CAR_WINDOWS.copy()
        if front:
            prof[:, 0] = 1.0 - prof[:, 0]
            win[:, 0] = 1.0 - win[:, 0]
        small = cam.scale(z) * hgt < 5
        if small:  # one polygon down to the ground, no details
            prof[[0, -1], 1] = 0.0
        pts = prof * [L, hgt]
        c.paint([cam.side(side_d, z, pts)], cls, colour, lo=0.12, mid=0.02,
                hi=3.0, tint=3.0, depth=z)
        if small:
            return
        c.paint([cam.side(side_d, z, win * [L, hgt])], None, (40, 48, 58),
                lo=0.3, hi=3.0)
        wheels = [cam.side(side_d, z, circle(sx * L, 0.32, 0.32, 14))
                  for sx in (0.17, 0.8)]
    c.paint(wheels, cls, (22, 22, 24), lo=0.05, hi=3.0, depth=z)


def _truck_face(fr: FrameContext, car: Vehicle, cls: str, z: float,
                colour: np.ndarray) -> None:
    """A truck's rear (box doors, underride, lamps) or front (cab,
    windscreen, grille, the cargo box above and behind)."""
    c, cam = fr.canvas, fr.cam
    w, hgt, d = car.width, car.height, car.d
    wh = [w, hgt]
    if car.facing == 'rear':
        box = rect(-0.5, 0.9 / hgt, 0.5, 1.0) * wh
        c.paint([cam.face(d, z, box)], cls, fr.lit(car.box, 0) * 0.95,
                lo=0.06, hi=3.0, depth=z)
        # Door seam and bumper (image only).
        c.paint([cam.face(d, z, rect(-0.01, 0.95 / hgt, 0.01, 0.98) * wh)],
                None, (60, 60, 60), hi=2.0)
        under = rect(-0.46, 0.1, 0.46, 0.92 / hgt) * wh
        c.paint([cam.face(d, z, under)], cls, (30, 30, 32), lo=0.05, hi=3.0,
                depth=z)
        lights = _pair(0.36, 0.48, 0.8 / hgt, 0.95 / hgt)
        c.paint([cam.face(d, z, q * wh) for q in lights], None, (200, 30, 30),
                hi=3.0)
        return
    cab = np.array([[-0.5, 0.15], [-0.5, 0.85], [-0.45, 0.9], [0.45, 0.9],
                    [0.5, 0.85], [0.5, 0.15]]) * [w, 3.0]
    c.paint([cam.face(d, z, cab)], cls, colour, lo=0.08, hi=3.0, depth=z)
    wind = rect(-0.44, 0.5, 0.44, 0.82) * [w, 3.0]
    c.paint([cam.face(d, z, wind)], None, (40, 48, 60), lo=0.3, hi=3.0)
    grille = rect(-0.3, 0.2, 0.3, 0.4) * [w, 3.0]
    c.paint([cam.face(d, z, grille)], None, (50, 50, 52), hi=3.0)
    if z > 3.0:
        top = rect(-0.5, 2.7, 0.5, hgt)
        c.paint([cam.face(d, z + 2.3, top * [w, 1])], cls,
                fr.lit(car.box, 0), lo=0.06, hi=3.0, depth=z)


def _vehicle_face(fr: FrameContext, car: Vehicle, cls: str, z: float,
                  truck: bool) -> None:
    """The rear (or front) face at depth ``z``. A car's is one polygon when
    small, else tyres, body, glass, bumper, lamps and plate (blurred near
    the camera in scenes with ``blur_plates``)."""
    c, cam = fr.canvas, fr.cam
    w, hgt, d = car.width, car.height, car.d
    colour = fr.lit(car.colour, 0) * 0.95
    if truck:
        _truck_face(fr, car, cls, z, colour)
        return
    wh = [w, hgt]
    prof = _CAR_FACE.copy()
    small = cam.scale(z) * w < 7
    if small:  # one polygon down to the ground, no details
        prof[[0, -1], 1] = 0.0
    else:
        tyres = _pair(0.3, 0.47, 0.0, 0.3)
        c.paint([cam.face(d, z, q * wh) for q in tyres], cls, (22, 22, 24),
                lo=0.05, hi=3.0, depth=z)
    top_v = cam.project(d, z, hgt)[1]
    bot_v = cam.project(d, z, 0.25 * hgt)[1]
    grad = vgrad(colour * 1.1, colour * 0.8, top_v, bot_v)
    c.paint([cam.face(d, z, prof * wh)], cls, grad, lo=0.1, mid=0.02,
            hi=3.0, tint=3.0, depth=z)
    if small:
        return
    glass = np.array([[-0.4, 0.72], [-0.34, 0.94], [0.34, 0.94],
                      [0.4, 0.72]]) * wh
    c.paint([cam.face(d, z, glass)], None,
            vgrad((90, 100, 115), (30, 34, 42),
                  cam.project(d, z, 0.94 * hgt)[1],
                  cam.project(d, z, 0.72 * hgt)[1]), lo=0.25, hi=3.0)
    bumper = rect(-0.5, 0.25, 0.5, 0.34) * wh
    c.paint([cam.face(d, z, bumper)], None, colour * 0.55, lo=0.05, hi=3.0)
    if car.facing == 'rear':
        lamp, lamps = (210, 30, 30), _pair(0.33, 0.49, 0.55, 0.64)
    else:
        lamp, lamps = (235, 235, 215), _pair(0.3, 0.47, 0.48, 0.56)
    c.paint([cam.face(d, z, q * wh) for q in lamps], None, lamp, lo=0.05,
            hi=4.0)
    plate = rect(-0.13, 0.36, 0.13, 0.46) * wh
    plate_poly = cam.face(d, z, plate)
    c.paint([plate_poly], None, (228, 228, 220), lo=0.02, hi=3.0)
    if cam.scale(z) * w > 25:
        glyphs = [rect(x, 0.385, x + 0.025, 0.435) * wh
                  for x in np.arange(-0.1, 0.1, 0.04)]
        c.paint([cam.face(d, z, g) for g in glyphs], None, (30, 30, 30),
                hi=2.0)
    if fr.scene.blur_plates and z < 25:
        c.blur_patch([plate_poly], 'Blurred area')


def draw_hood(fr: FrameContext) -> None:
    """The ego car's hood at the bottom of the frame (``Ego car``), in
    scenes that have one; it reflects the sky's horizon colour."""
    hood = fr.scene.hood
    if hood is None:
        return
    c, cam = fr.canvas, fr.cam
    u = np.linspace(-1, cam.w + 1, 40)
    x = (u - cam.cx) / (cam.w / 2)
    top = cam.h * (1 - hood.height * (1 - hood.bulge * x * x))
    poly = np.concatenate([np.stack([u, top], 1),
                           [[cam.w + 1, cam.h + 1], [-1, cam.h + 1]]])
    sky = fr.scene.light.sky
    grad = vgrad(0.5 * hood.colour + 0.3 * sky.horizon, hood.colour * 0.6,
                 top.min(), cam.h)
    c.paint([poly], 'Ego car', grad, lo=0.05, mid=0.0, hi=2.0, tint=2.0,
            depth=0)
