"""Pedestrians."""
import numpy as np

from a2d2_mmseg.a2d2.synthetic.camera import circle, rect
from a2d2_mmseg.a2d2.synthetic.context import FrameContext
from a2d2_mmseg.a2d2.synthetic.scene import Person


def draw_person(fr: FrameContext, p: Person, z: float, variant: int) -> None:
    """A pedestrian at depth ``z`` (``Pedestrian {variant}``): shadow,
    swinging legs and arms, torso, neck and head, hair."""
    c, cam = fr.canvas, fr.cam
    h, k = p.height, p.width
    cls = f'Pedestrian {variant}'
    swing = 0.16 * np.sin(p.phase + 2.0 * fr.t) if p.v != 0 else 0.0
    d = p.d
    small = cam.scale(z) * h < 14
    if not small:
        c.shade([cam.strip(d - 0.3, d + 0.3, max(z - 0.2, 1.0), z + 0.4,
                           n=2)], 0.6, soft=True)
    legs = [np.array([[-0.15 * k, 0.5 * h], [-0.01, 0.5 * h],
                      [-0.03 + swing, 0], [-0.14 * k + swing, 0]]),
            np.array([[0.01, 0.5 * h], [0.15 * k, 0.5 * h],
                      [0.14 * k - swing, 0], [0.03 - swing, 0]])]
    c.paint([cam.face(d, z, q) for q in legs], cls, fr.lit(p.legs, 0),
            lo=0.1, hi=4.0, depth=z)
    arms = [np.array([[-0.21 * k, 0.81 * h], [-0.14 * k, 0.81 * h],
                      [-0.2 * k - swing, 0.47 * h],
                      [-0.27 * k - swing, 0.47 * h]]),
            np.array([[0.14 * k, 0.81 * h], [0.21 * k, 0.81 * h],
                      [0.27 * k + swing, 0.47 * h],
                      [0.2 * k + swing, 0.47 * h]])]
    torso = np.array([[-0.17 * k, 0.48 * h], [-0.2 * k, 0.8 * h],
                      [-0.1 * k, 0.85 * h], [0.1 * k, 0.85 * h],
                      [0.2 * k, 0.8 * h], [0.17 * k, 0.48 * h]])
    top = fr.lit(p.top, 0)
    c.paint([cam.face(d, z, q) for q in arms + [torso]], cls, top, lo=0.12,
            mid=0.05, hi=4.0, tint=3.0, depth=z)
    r = 0.11 * h / 1.75
    u, v = cam.project(d, z, h - r)
    head = circle(u, v, cam.scale(z) * r, 14)
    neck = cam.face(d, z, rect(-0.04, 0.84 * h, 0.04, h - r))
    c.paint([head, neck], cls, fr.lit(p.skin, 0), lo=0.05, hi=3.0, depth=z)
    if not small:
        hair = circle(u, v - cam.scale(z) * r * 0.35, cam.scale(z) * r * 0.8,
                      12)
        c.paint([hair], None, (40, 30, 24), lo=0.1, hi=3.0)
