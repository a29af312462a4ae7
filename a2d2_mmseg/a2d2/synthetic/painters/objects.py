"""Street objects: trees and hedges, pedestrians, and poles (traffic signs,
street lights and traffic signals)."""
import numpy as np

from a2d2_mmseg.a2d2.synthetic.camera import circle, geomspace, rect
from a2d2_mmseg.a2d2.synthetic.canvas import FrameContext, vgrad
from a2d2_mmseg.a2d2.synthetic.scene import (FOLIAGE, Hedge, Person, Sign,
                                             Signal, StreetLight, Tree)

# (border, inner) colours of a sign's front per shape and style (0..2).
_SIGN_SCHEMES = {
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
}
# Signal lamps from the top: red, amber, green.
_LAMPS = [(230, 40, 30), (240, 170, 20), (40, 220, 90)]


def draw_tree(fr: FrameContext, tr: Tree, z: float) -> None:
    """A tree at depth ``z``: ground shadow, trunk and a crown of blobs
    lit from above."""
    c, cam = fr.canvas, fr.cam
    trunk = rect(-tr.trunk_w / 2, 0, tr.trunk_w / 2,
                 tr.trunk_h + tr.crown * 0.6)
    trunk_poly = cam.face(tr.d, z, trunk)
    # Shadow on the ground under the crown (image only).
    r = tr.crown
    if cam.scale(z) * r > 4:
        c.shade([cam.strip(tr.d - r, tr.d + r, max(z - r * 0.6, 1.0),
                           z + r * 0.6, n=4)], 0.75, soft=True)
    c.paint([trunk_poly], 'Nature object', (92, 74, 58), lo=0.1, mid=0.2,
            hi=8.0, depth=z)
    centre_y = tr.trunk_h + r
    blobs = []
    px = cam.scale(z)
    for bx, by, br in tr.blobs:
        cu, cv = cam.project(tr.d + bx * r * 0.7, z, centre_y + by * r * 0.5)
        rad = px * r * (0.55 + 0.2 * br)
        blobs.append(circle(cu, cv, rad, n=18))
    top_v = cam.project(tr.d, z, centre_y + r)[1]
    bot_v = cam.project(tr.d, z, centre_y - r)[1]
    grad = vgrad(tr.colour * fr.scene.light.sun * 1.1, tr.colour * 0.6,
                 top_v, bot_v)
    c.paint(blobs, 'Nature object', grad, lo=0.15, mid=0.35, hi=12.0,
            tint=6.0, depth=z)


def draw_hedge(fr: FrameContext, hd: Hedge, z0: float) -> None:
    """A hedge along the verge from depth ``z0``, its top waving."""
    c, cam = fr.canvas, fr.cam
    z1 = fr.z_of(hd.s1)
    zz = geomspace(z0, max(z1, z0 + 0.1), 24)
    top_y = hd.height * (1 + 0.12 * np.sin((zz + fr.ego_s) * 1.7 +
                                           hd.phase))
    bottom = cam.project(hd.d, zz, 0.0)
    top = cam.project(hd.d, zz, top_y)
    poly = np.concatenate([bottom, top[::-1]])
    c.paint([poly], 'Nature object', np.array(FOLIAGE[2]) * 1.1, lo=0.15,
            mid=0.3, hi=10.0, tint=5.0, depth=0.5 * (z0 + z1))


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


def draw_pole(fr: FrameContext, d: float, z: float, height: float,
              width: float = 0.09) -> None:
    """A thin vertical pole standing at ``(d, z)``."""
    poly = fr.cam.face(d, z, rect(-width / 2, 0, width / 2, height))
    fr.canvas.paint([poly], 'Poles', (150, 152, 150), lo=0.05, mid=0.05,
                    hi=4.0, depth=z)


def _sign_shape(p: Sign, y: float, r: float) -> np.ndarray:
    """Outline ``[N, 2]`` (lateral offset, height) of a sign centred at
    height ``y`` with half-size ``r``."""
    if p.shape == 'circle':
        return circle(0, y, r, 20)
    if p.shape == 'triangle':
        # Style 0, a warning sign: apex up; else give way: apex down.
        t = r if p.style == 0 else -r
        return np.array([[-r, y - t * 0.6], [r, y - t * 0.6], [0, y + t]])
    if p.shape == 'diamond':
        return np.array([[0, y - r], [r, y], [0, y + r], [-r, y]])
    if p.shape == 'square':
        return rect(-r, y - r, r, y + r)
    return rect(-r * 1.3, y - r * 0.7, r * 1.3, y + r * 0.7)


def draw_sign(fr: FrameContext, p: Sign, z: float, variant: int) -> None:
    """A traffic sign on a pole, labelled ``Traffic sign {variant}``: its
    grey back, or its front with border, inner colour and a dark symbol."""
    c, cam = fr.canvas, fr.cam
    size = p.size
    y = p.height + size / 2
    draw_pole(fr, p.d, z, y)
    r = size / 2
    shape = _sign_shape(p, y, r)
    outer = cam.face(p.d, z, shape)
    cls = f'Traffic sign {variant}'
    if p.back:
        c.paint([outer], cls, (120, 122, 124), lo=0.05, hi=4.0, depth=z)
        return
    border, inner = _SIGN_SCHEMES[p.shape][p.style]
    c.paint([outer], cls, border, lo=0.05, mid=0.02, hi=4.0, depth=z)
    centre = np.array([0, y])
    inner_shape = centre + (shape - centre) * 0.72
    c.paint([cam.face(p.d, z, inner_shape)], None, inner, lo=0.05, hi=4.0)
    # A dark symbol in the middle (image only).
    sym = rect(-r * 0.25, y - r * 0.15, r * 0.25, y + r * 0.15)
    c.paint([cam.face(p.d, z, sym)], None, (40, 40, 44), lo=0.05, hi=3.0)


def draw_light(fr: FrameContext, p: StreetLight, z: float) -> None:
    """A street light: tall pole, arm over the road and lamp head."""
    c, cam = fr.canvas, fr.cam
    draw_pole(fr, p.d, z, p.height, width=0.16)
    sign = 1 if p.side == 'right' else -1
    arm = rect(-sign * 1.6, p.height - 0.12, 0, p.height)
    head = rect(-sign * 1.9, p.height - 0.3, -sign * 1.2, p.height - 0.08)
    c.paint([cam.face(p.d, z, arm), cam.face(p.d, z, head)], 'Poles',
            (120, 122, 120), lo=0.05, hi=4.0, depth=z)


def draw_signal(fr: FrameContext, p: Signal, z: float, variant: int) -> None:
    """Traffic signals: pole, optional arm over the road, housings
    labelled ``Traffic signal {variant}`` (the arm's the next variant) and
    the lamps, one of them lit."""
    c, cam = fr.canvas, fr.cam
    road = fr.scene.road
    sign = 1 if p.side == 'right' else -1
    hgt = p.height
    top = 5.6 if p.arm else hgt + 1.0
    draw_pole(fr, p.d, z, top, width=0.14)
    boxes = [(p.d, hgt)]
    if p.arm:
        reach = p.d - road.right_line + road.lane_w * 0.8
        arm = rect(-sign * reach, top - 0.15, 0, top)
        c.paint([cam.face(p.d, z, arm)], 'Poles', (130, 132, 130), lo=0.05,
                hi=4.0, depth=z)
        boxes.append((p.d - sign * reach * 0.7, top - 1.05))
    for k, (d, y) in enumerate(boxes):
        cls = f'Traffic signal {min(variant + k, 3)}'
        c.paint([cam.face(d, z, rect(-0.17, y, 0.17, y + 0.9))], cls,
                (30, 32, 30), lo=0.05, hi=3.0, depth=z)
        px = cam.scale(z)
        if px * 0.1 < 0.5:
            continue
        for i, col in enumerate(_LAMPS):
            u, v = cam.project(d, z, y + 0.75 - 0.3 * i)
            on = i == p.light
            colour = np.array(col) * (1.0 if on else 0.25)
            c.paint([circle(u, v, max(px * 0.1, 0.6), 10)], None, colour,
                    lo=0.02, hi=2.0)
